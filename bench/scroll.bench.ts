// Issue 19, scrolling *Aujourd'hui*: a phone holding 5,000 debtors, at 390×844, its CPU slowed 4× (DevTools
// throttling), scrolled through the list as a person does — smooth scroll gestures, a tap on "Afficher plus" whenever
// it shows — until 1,000 rows have gone by, then each of the list's toggles once (« Tous », « Tournée », and back).
// The page itself measures: Long Animation Frames (every frame over 50 ms, with the scripts it ran), long tasks, and
// a requestAnimationFrame clock for every frame. Printed, never asserted on: time is not deterministic.
import type { Page } from "playwright-core";
import { ensureClientBuilt } from "../server/cli/client-build";
import { startSyncedPhone, type SyncedPhone } from "./support/phone";
import { count, ms, percentile } from "./support/measure";

const DEBTORS = 5_000;
/** Rows a person scrolls past before the bench stops (or the whole list, if shorter). */
const ROWS = Number(process.env.SCROLL_ROWS ?? 1_000);
const CPU_SLOWDOWN = Number(process.env.SCROLL_CPU_SLOWDOWN ?? 4);
/**
 * One swipe: a thumb's travel on a 844 px high screen, at a brisk reading pace (px/s). Chromium's synthetic
 * gesture, as a wheel (mouse source): headless Chromium does not scroll the page for a synthetic touch gesture.
 */
const SWIPE_PX = 500;
const SWIPE_SPEED = 2_000;
/** The bound on any animation frame. */
const FRAME_LIMIT_MS = 50;

/** Another built client to measure (e.g. an older commit's, for a before/after); by default this tree's, built. */
const CLIENT_DIR = process.env.SCROLL_CLIENT_DIR;
const benchStarted = performance.now();

const started = performance.now();
if (!CLIENT_DIR) await ensureClientBuilt(undefined, (line) => console.log(line));
const buildMs = performance.now() - started;

let phone: SyncedPhone | undefined;
try {
  console.log(`client build check ${ms(buildMs)}`);
  phone = await startSyncedPhone({ debtors: DEBTORS, clientDir: CLIENT_DIR });
  const { page, context, errors } = phone;
  console.log(`first sync (sign-in to ${count(DEBTORS)} debtors stored): ${ms(phone.firstSyncMs)}`);
  // A fresh page, as the phone opens the app in the morning: the list from the store, nothing else running.
  await page.reload();
  await page.locator(".debtor-list > li").first().waitFor();
  await page.getByText("Tout est envoyé").waitFor();
  await page.waitForTimeout(1_500); // the page load's sync pass and the store's live queries settle

  const cdp = await context.newCDPSession(page);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: CPU_SLOWDOWN });
  await page.evaluate(startObserving);

  // ---- scroll as a person does -------------------------------------------------------------------------------
  const more = page.locator("button.more");
  let state = await page.evaluate(listState);
  let swipes = 0;
  let moreTaps = 0;
  const total = state.total;
  while (state.passed < Math.min(ROWS, total) && swipes < 2_000) {
    if (state.moreInView) {
      await page.evaluate(setPhase, "Afficher plus");
      await more.tap();
      moreTaps++;
      await page.evaluate(frames, 3);
      await page.evaluate(setPhase, "scroll");
    } else if (state.atBottom) {
      break;
    } else {
      await cdp.send("Input.synthesizeScrollGesture", { x: 195, y: 700, yDistance: -SWIPE_PX, speed: SWIPE_SPEED, gestureSourceType: "mouse" });
      swipes++;
    }
    state = await page.evaluate(listState);
  }
  const passed = state.passed;
  const rowsAfterScroll = state.inDom;

  // ---- the toggles, each one frame (or more) of its own ------------------------------------------------------
  await page.evaluate(setPhase, "back to the top");
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.evaluate(frames, 5);
  for (const [name, button] of [
    ["« Tous »", /^Tous/],
    ["« Tournée »", /^Tournée$/],
    ["« À faire »", /^À faire/],
    ["« Priorité »", /^Priorité$/],
  ] as const) {
    await page.evaluate(frames, 5);
    await page.evaluate(setPhase, name);
    await page.getByRole("button", { name: button }).tap();
    await page.evaluate(frames, 5);
    await page.waitForTimeout(300);
    await page.evaluate(setPhase, "idle");
  }
  const rowsAtEnd = await page.locator(".debtor-list > li").count();
  const result = await page.evaluate(stopObserving);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 1 });

  // ---- figures ---------------------------------------------------------------------------------------------
  console.log(
    `\nscrolling Aujourd'hui, ${count(DEBTORS)} debtors, 390×844, CPU slowed ${CPU_SLOWDOWN}× (target: no animation frame > ${FRAME_LIMIT_MS} ms):`,
  );
  console.log(`  ${count(passed)} of ${count(total)} rows scrolled past in ${swipes} swipes and ${moreTaps} taps on "Afficher plus"; rows in the DOM then: ${count(rowsAfterScroll)}, at the end: ${count(rowsAtEnd)}`);
  const groups = ["scroll", "Afficher plus", "« Tous »", "« Tournée »", "« À faire »", "« Priorité »"];
  const all = summarise(result, () => true);
  printLine("all", all);
  for (const group of groups) printLine(group, summarise(result, (phase) => phase === group));
  // The frames that worked longest: on a shared machine, a frame's duration also counts the time it waited for a core.
  const worst = [...result.loafs].sort((a, b) => workOf(b) - workOf(a)).slice(0, Number(process.env.SCROLL_SHOW_FRAMES ?? 5));
  if (worst.length > 0) {
    console.log(`  the animation frames that worked longest (work = scripts + style, layout and paint; the rest of a frame is waiting, e.g. for a core):`);
    for (const f of worst) {
      const work = workOf(f);
      console.log(`  ${ms(f.duration)} during "${f.phase}": work ${ms(work)}, blocking ${ms(f.blockingDuration)}, style & layout ${ms(f.styleAndLayout)}, render ${ms(f.render)}`);
      for (const s of f.scripts.slice(0, 3)) {
        console.log(`    script ${ms(s.duration)} (forced style & layout ${ms(s.forcedStyleAndLayoutDuration)}): ${s.invoker} · ${s.sourceFunctionName || "(anonymous)"} @ ${s.sourceURL.replace(/^.*\//, "")}:${s.sourceCharPosition}`);
      }
    }
  } else {
    console.log(`  no animation frame over ${FRAME_LIMIT_MS} ms`);
  }
  if (!result.loafSupported) console.log("  note: this Chromium does not report long-animation-frame entries");
  if (errors.length > 0) console.log(`  note: the page reported errors: ${errors.slice(0, 3).join(" | ")}`);

  function printLine(name: string, s: Summary): void {
    if (s.frames === 0 && s.loafs === 0) return;
    console.log(
      `  ${name.padEnd(14)} ${String(s.frames).padStart(5)} frames · LoAF > ${FRAME_LIMIT_MS} ms: ${s.loafs} (${s.busyLoafs} of them working > ${FRAME_LIMIT_MS} ms) · longest LoAF ${s.longestLoaf ? ms(s.longestLoaf) : "—"} · ` +
        `frame interval p95 ${ms(s.p95)}, max ${ms(s.max)} · long tasks: ${s.longTasks} (longest ${s.longestTask ? ms(s.longestTask) : "—"})`,
    );
  }
} finally {
  await phone?.close();
}
console.log(`\nscroll bench took ${(Math.round(performance.now() - benchStarted) / 1000).toFixed(1)} s`);

// ---- summaries -----------------------------------------------------------------------------------------------

interface Loaf {
  phase: string;
  startTime: number;
  duration: number;
  blockingDuration: number;
  styleAndLayout: number;
  render: number;
  scripts: { duration: number; forcedStyleAndLayoutDuration: number; invoker: string; sourceURL: string; sourceFunctionName: string; sourceCharPosition: number }[];
}

interface Observed {
  loafSupported: boolean;
  loafs: Loaf[];
  longTasks: { phase: string; duration: number }[];
  /** Each frame's interval from the one before (requestAnimationFrame timestamps), with the phase it ended in. */
  frames: { phase: string; interval: number }[];
}

interface Summary {
  frames: number;
  p95: number;
  max: number;
  loafs: number;
  /** LoAFs over the limit whose own work (scripts, style, layout, paint) is over it too: the rest waited for a core. */
  busyLoafs: number;
  longestLoaf: number;
  longTasks: number;
  longestTask: number;
}

function workOf(l: Loaf): number {
  return l.scripts.reduce((sum, s) => sum + s.duration, 0) + l.render;
}

function summarise(o: Observed, keep: (phase: string) => boolean): Summary {
  const intervals = o.frames.filter((f) => keep(f.phase)).map((f) => f.interval);
  const loafs = o.loafs.filter((l) => keep(l.phase));
  const tasks = o.longTasks.filter((t) => keep(t.phase));
  return {
    frames: intervals.length,
    p95: intervals.length ? percentile(intervals, 0.95) : 0,
    max: intervals.length ? Math.max(...intervals) : 0,
    loafs: loafs.filter((l) => l.duration > FRAME_LIMIT_MS).length,
    busyLoafs: loafs.filter((l) => l.duration > FRAME_LIMIT_MS && workOf(l) > FRAME_LIMIT_MS).length,
    longestLoaf: Math.max(0, ...loafs.map((l) => l.duration)),
    longTasks: tasks.length,
    longestTask: Math.max(0, ...tasks.map((t) => t.duration)),
  };
}

// ---- in the page -------------------------------------------------------------------------------------------------
// These run in Chromium (serialised by Playwright): they may use only what they declare.

/** Long Animation Frames, long tasks and a frame clock, each entry tagged with the phase the bench set. */
function startObserving(): void {
  interface Script {
    duration: number;
    forcedStyleAndLayoutDuration: number;
    invoker: string;
    sourceURL: string;
    sourceFunctionName: string;
    sourceCharPosition: number;
  }
  interface LoafEntry extends PerformanceEntry {
    blockingDuration: number;
    renderStart: number;
    styleAndLayoutStart: number;
    scripts: Script[];
  }
  const phases: { name: string; at: number }[] = [{ name: "scroll", at: performance.now() }];
  const since = phases[0]!.at;
  const phaseAt = (t: number) => {
    let name = phases[0]!.name;
    for (const p of phases) if (p.at <= t) name = p.name;
    return name;
  };
  const w = window as unknown as { __scroll: unknown };
  const o = {
    phases,
    loafSupported: PerformanceObserver.supportedEntryTypes.includes("long-animation-frame"),
    loafs: [] as unknown[],
    longTasks: [] as unknown[],
    frames: [] as { at: number; interval: number }[],
    running: true,
    observers: [] as PerformanceObserver[],
    phaseAt,
  };
  w.__scroll = o;
  const loaf = new PerformanceObserver((list) => {
    for (const e of list.getEntries() as LoafEntry[]) {
      if (e.startTime < since) continue;
      const end = e.startTime + e.duration;
      o.loafs.push({
        phase: phaseAt(e.startTime),
        startTime: e.startTime,
        duration: e.duration,
        blockingDuration: e.blockingDuration,
        styleAndLayout: e.styleAndLayoutStart ? end - e.styleAndLayoutStart : 0,
        render: e.renderStart ? end - e.renderStart : 0,
        scripts: [...e.scripts]
          .sort((a, b) => b.duration - a.duration)
          .map((s) => ({
            duration: s.duration,
            forcedStyleAndLayoutDuration: s.forcedStyleAndLayoutDuration,
            invoker: s.invoker,
            sourceURL: s.sourceURL,
            sourceFunctionName: s.sourceFunctionName,
            sourceCharPosition: s.sourceCharPosition,
          })),
      });
    }
  });
  if (o.loafSupported) loaf.observe({ type: "long-animation-frame", buffered: true });
  const tasks = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.startTime >= since) o.longTasks.push({ phase: phaseAt(e.startTime), duration: e.duration });
  });
  tasks.observe({ type: "longtask", buffered: true });
  o.observers.push(loaf, tasks);
  let last = -1;
  const tick = (t: number) => {
    if (!o.running) return;
    if (last >= 0) o.frames.push({ at: t, interval: t - last });
    last = t;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

function setPhase(name: string): void {
  const o = (window as unknown as { __scroll: { phases: { name: string; at: number }[] } }).__scroll;
  o.phases.push({ name, at: performance.now() });
}

function frames(n: number): Promise<void> {
  return new Promise((done) => {
    const step = (left: number) => (left <= 0 ? done() : requestAnimationFrame(() => step(left - 1)));
    step(n);
  });
}

/**
 * Where the list stands: rows scrolled past (above the top of the screen; a windowed list numbers its rows with
 * aria-posinset), rows in the list (the counts on the toggle), rows in the DOM, whether "Afficher plus" is on
 * screen, and whether the page is scrolled to its end.
 */
function listState(): { passed: number; total: number; inDom: number; moreInView: boolean; atBottom: boolean } {
  const rows = [...document.querySelectorAll<HTMLElement>(".debtor-list > li")];
  let passed = 0;
  rows.forEach((li, i) => {
    if (li.getBoundingClientRect().bottom < 0) passed = Math.max(passed, Number(li.getAttribute("aria-posinset") ?? i + 1));
  });
  const pressed = document.querySelector<HTMLElement>('.segmented button[aria-pressed="true"]');
  const total = Number(/\((\d+)\)/.exec(pressed?.textContent ?? "")?.[1] ?? rows.length);
  const more = document.querySelector<HTMLElement>("button.more");
  const r = more?.getBoundingClientRect();
  const moreInView = Boolean(r && r.top < window.innerHeight && r.bottom > 0);
  const atBottom = window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2;
  return { passed, total, inDom: rows.length, moreInView, atBottom };
}

async function stopObserving(): Promise<Observed> {
  const o = (window as unknown as { __scroll: { loafs: Loaf[]; longTasks: { phase: string; duration: number }[]; frames: { at: number; interval: number }[]; loafSupported: boolean; running: boolean; observers: PerformanceObserver[]; phaseAt(t: number): string } }).__scroll;
  // Let the last frames' entries arrive before the observers stop.
  await new Promise((done) => setTimeout(done, 200));
  for (const ob of o.observers) ob.disconnect();
  o.running = false;
  return { loafSupported: o.loafSupported, loafs: o.loafs, longTasks: o.longTasks, frames: o.frames.map((f) => ({ phase: o.phaseAt(f.at), interval: f.interval })) };
}
