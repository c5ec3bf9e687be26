import { FollowUpQuery, type FollowUpSort } from "../../../shared/schemas/follow-up";

/**
 * The follow-up table's view — its filters, search and sort — read from and written to the page's address, under
 * the names of the API's query (`FollowUpQuery`), so that a view can be bookmarked, shared, and restored by
 * back/forward. Paging (`offset`, `limit`) is the table's business, never the address's.
 */
export type FollowUpView = Omit<FollowUpQuery, "offset" | "limit" | "cursor">;

type Params = Partial<Record<string, string | string[] | undefined>>;

/** The view an address describes. A value the contract refuses (a hand-edited link) is dropped, not the whole view. */
export function viewOf(params: Params): FollowUpView {
  let input: Record<string, unknown> = { ...params };
  for (let attempt = 0; attempt < 20; attempt++) {
    const parsed = FollowUpQuery.safeParse(input);
    if (parsed.success) {
      const { offset: _offset, limit: _limit, cursor: _cursor, ...view } = parsed.data;
      return view;
    }
    const bad = new Set(parsed.error.issues.map((i) => String(i.path[0])));
    input = Object.fromEntries(Object.entries(input).filter(([k]) => !bad.has(k)));
  }
  return { sort: "daysLate", dir: "desc" };
}

/** Address parameters for a change of view: lists joined by commas, empty values and defaults removed (undefined). */
export function paramsOf(change: Partial<FollowUpView>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(change)) {
    if (value === undefined || value === null || value === "") out[key] = undefined;
    else if (Array.isArray(value)) out[key] = value.length > 0 ? value.join(",") : undefined;
    else out[key] = String(value);
  }
  if (change.sort === DEFAULT_SORT.sort) out.sort = undefined;
  if (change.dir === DEFAULT_SORT.dir) out.dir = undefined;
  return out;
}

export const DEFAULT_SORT = { sort: "daysLate", dir: "desc" } as const;

/** Every filter set in the view (search and sort aside), as the keys of the address. */
export const FILTER_KEYS = ["site", "level", "stage", "scenario", "kind", "minBalance", "maxBalance", "lateBucket", "promise", "padlock", "stop", "dispute", "idleDays"] as const;

export function activeFilters(view: FollowUpView): number {
  return FILTER_KEYS.filter((k) => {
    const v = view[k];
    return Array.isArray(v) ? v.length > 0 : v !== undefined;
  }).length;
}

/** The API's query string for a view, paging aside, in a fixed order: it is also the cache key of the view's pages. */
export function apiQueryOf(view: FollowUpView): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(paramsOf(view)).sort(([a], [b]) => a.localeCompare(b))) if (value !== undefined) q.set(key, value);
  // The server's defaults apply when unset, but say them: the key must not depend on how the view was reached.
  q.set("sort", view.sort);
  q.set("dir", view.dir);
  return q.toString();
}

/** Clicking a column's header: sort by it, or turn the order over when it already is; amounts and delays start high. */
export function nextSort(view: FollowUpView, sort: FollowUpSort): { sort: FollowUpSort; dir: "asc" | "desc" } {
  if (view.sort === sort) return { sort, dir: view.dir === "asc" ? "desc" : "asc" };
  return { sort, dir: sort === "balance" || sort === "daysLate" || sort === "level" || sort === "lastActionAt" ? "desc" : "asc" };
}

/**
 * The rows to put in the DOM for a scroll position: those in sight plus `overscan` on each side, never more than
 * `max`, within [0, total). `last` is exclusive.
 */
export function windowOf(scrollTop: number, height: number, rowHeight: number, total: number, overscan: number, max = 100): { first: number; last: number } {
  const top = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const inSight = Math.ceil(Math.max(height, rowHeight) / rowHeight) + 1;
  const last = Math.min(total, top + Math.min(max, inSight + 2 * overscan));
  return { first: Math.min(top, Math.max(0, last)), last };
}

/** The pages (of `pageSize` rows, by offset) holding rows [first, last). */
export function pagesFor(first: number, last: number, pageSize: number): number[] {
  if (last <= first) return [0];
  const pages: number[] = [];
  for (let p = Math.floor(first / pageSize); p <= Math.floor((last - 1) / pageSize); p++) pages.push(p);
  return pages;
}
