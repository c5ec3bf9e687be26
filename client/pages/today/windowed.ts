import { createMemo, createSignal, onCleanup, onMount, type Accessor } from "solid-js";

// A windowed list, written for *Aujourd'hui*: with thousands of debtors, drawing (and laying out) every row makes a
// toggle or a scroll take frames of hundreds of milliseconds on a mid-range phone. Only the rows near the screen are
// in the DOM; the list's padding stands for the others, so the page is as tall as the whole list and scrolls as
// one. Rows vary in height (wrapped chips, a two-line last action): each row's height is measured once drawn
// (ResizeObserver), the others are guessed from the average. The page (window) is the scroller.

export interface Range {
  /** First row drawn. */
  start: number;
  /** One past the last row drawn. */
  end: number;
  /** Space standing for the rows before `start`, gaps included (px). */
  before: number;
  /** Space standing for the rows from `end` on, gaps included (px). */
  after: number;
}

/**
 * The rows of a list of `count` rows, `gap` px apart, that meet the band [from, to) — in px from the list's top —
 * and the space the others take. Linear in `count`: 5,000 additions a scroll event is well under a millisecond.
 */
export function windowRange(count: number, height: (i: number) => number, gap: number, from: number, to: number): Range {
  let top = 0;
  let i = 0;
  // Rows that end above the band.
  for (; i < count; i++) {
    const next = top + height(i) + gap;
    if (next > from) break;
    top = next;
  }
  const start = i;
  const before = top;
  for (; i < count && top < to; i++) top += height(i) + gap;
  const end = i;
  let after = 0;
  for (; i < count; i++) after += height(i) + gap;
  // Each row stands for its height and the gap after it, except the last, which has none: when the band is past
  // the list's end, nothing is drawn and the space before stands for the whole list.
  return { start, end, before: start === count && count > 0 ? before - gap : before, after };
}

export interface WindowOptions {
  /** A row's height before it has been drawn and measured, px. */
  estimate: number;
  /** The list's row gap (CSS `gap`), px. */
  gap: number;
  /** Rows drawn beyond each edge of the screen, px: what a fast scroll reaches before the next scroll event. */
  overscan: number;
  /** Lists this long or shorter are drawn whole (windowing only where needed). */
  drawAllUpTo: number;
}

export interface Windowed<T> {
  /** The rows to draw, in order. */
  rows: Accessor<readonly T[]>;
  range: Accessor<Range>;
  /** The list element (`ref`). */
  list(el: HTMLElement): void;
  /** Each drawn row's element (`ref`, inside the row's own scope): measured while it stays drawn. */
  row(el: HTMLElement, item: T): void;
}

export function createWindow<T>(items: Accessor<readonly T[]>, key: (item: T) => string, options: WindowOptions): Windowed<T> {
  // Measured heights by row key, kept when a row leaves the window or the list is re-sorted or filtered.
  const heights = new Map<string, number>();
  let measuredSum = 0;
  const [measured, changed] = createSignal(undefined, { equals: false });
  const guess = () => (heights.size > 0 ? measuredSum / heights.size : options.estimate);
  const heightOf = (item: T) => heights.get(key(item)) ?? guess();
  const setHeight = (k: string, h: number) => {
    measuredSum += h - (heights.get(k) ?? 0);
    heights.set(k, h);
  };

  // The band of the list (px from its top) on or near the screen. The first drawing covers the screen only, and the
  // rows beyond come once it is painted: each row costs some 3 ms to draw on a mid-range phone, and half of them
  // would otherwise lengthen the frame that shows the list.
  const [band, setBand] = createSignal({ from: 0, to: window.innerHeight });
  let overscan = 0;
  let listEl: HTMLElement | undefined;
  const follow = () => {
    if (!listEl) return;
    const top = listEl.getBoundingClientRect().top;
    setBand({ from: -top - overscan, to: -top + window.innerHeight + overscan });
  };
  let widening: number | undefined;
  const widen = () => {
    overscan = options.overscan;
    follow();
  };

  const range = createMemo<Range>(
    () => {
      measured();
      const all = items();
      if (all.length <= options.drawAllUpTo) return { start: 0, end: all.length, before: 0, after: 0 };
      const { from, to } = band();
      return windowRange(all.length, (i) => heightOf(all[i]!), options.gap, from, to);
    },
    { start: 0, end: 0, before: 0, after: 0 },
    { equals: (a, b) => a.start === b.start && a.end === b.end && a.before === b.before && a.after === b.after },
  );
  const rows = createMemo(() => {
    const { start, end } = range();
    return items().slice(start, end);
  });

  const keys = new WeakMap<Element, string>();
  let settling: number | undefined;
  const observer = new ResizeObserver((entries) => {
    let shift = 0;
    let any = false;
    for (const entry of entries) {
      const k = keys.get(entry.target)!;
      // Laid out already (a ResizeObserver runs between layout and paint): no forced layout.
      const { height: h, top } = entry.target.getBoundingClientRect();
      const old = heights.get(k) ?? guess();
      if (h === old && heights.has(k)) continue;
      // A row above the screen that turns out taller (or shorter) than guessed would push what the person
      // is reading: scroll by as much, in this frame (the list sets `overflow-anchor: none`).
      if (top < 0) shift += h - old;
      setHeight(k, h);
      any = true;
    }
    if (Math.abs(shift) >= 1) {
      changed();
      window.scrollBy(0, shift);
    } else if (any && !settling) {
      // Nothing on the screen moves: the window follows the measured heights in a task of its own, not in the
      // frame that draws the rows (on a phone, that frame would run past 50 ms).
      settling = window.setTimeout(() => {
        settling = undefined;
        changed();
      }, 0);
    }
  });

  const events = ["scroll", "resize"];
  onMount(() => {
    for (const e of events) window.addEventListener(e, follow, { passive: true });
    follow();
  });
  onCleanup(() => {
    if (widening !== undefined) clearTimeout(widening);
    if (settling !== undefined) clearTimeout(settling);
    for (const e of events) window.removeEventListener(e, follow);
    observer.disconnect();
  });

  return {
    rows,
    range,
    list(el) {
      listEl = el;
      // Once the list is first drawn, after its paint (a frame, then a task), the rows beyond the screen.
      if (overscan === 0 && widening === undefined) requestAnimationFrame(() => (widening = window.setTimeout(widen, 0)));
    },
    row(el, item) {
      keys.set(el, key(item));
      observer.observe(el);
      onCleanup(() => observer.unobserve(el));
    },
  };
}
