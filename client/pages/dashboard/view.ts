import type { LateBucket } from "../../../shared/schemas/follow-up";

/** The dashboard's view, as its address holds it: the sites and the period (`?site=LYO,VIL&from=…&to=…`). */
export interface DashboardView {
  site?: string[];
  from?: string;
  to?: string;
}

type Params = Record<string, string | string[] | undefined>;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function viewOf(params: Params): DashboardView {
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const site = (one(params.site) ?? "").split(",").filter((s) => s !== "");
  const from = one(params.from);
  const to = one(params.to);
  return { site: site.length > 0 ? site : undefined, from: from && DATE.test(from) ? from : undefined, to: to && DATE.test(to) ? to : undefined };
}

/** The view as the router's search params: unset values removed from the address. */
export function paramsOf(patch: Partial<DashboardView>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if ("site" in patch) out.site = patch.site && patch.site.length > 0 ? patch.site.join(",") : undefined;
  if ("from" in patch) out.from = patch.from || undefined;
  if ("to" in patch) out.to = patch.to || undefined;
  return out;
}

/** The API's query for the view (the same names). */
export function apiQueryOf(view: DashboardView): string {
  const q = new URLSearchParams();
  if (view.site) q.set("site", view.site.join(","));
  if (view.from) q.set("from", view.from);
  if (view.to) q.set("to", view.to);
  return q.toString();
}

/** Where a bar of the aged balance leads: the follow-up table filtered to its bucket (and the sites chosen). */
export function followUpHref(bucket: LateBucket, view: DashboardView): string {
  const q = new URLSearchParams({ lateBucket: bucket });
  if (view.site) q.set("site", view.site.join(","));
  return `/suivi?${q.toString()}`;
}

/** A share as French text (`42 %`), or a dash when there is nothing to divide. */
export function shareText(part: number, whole: number): string {
  if (whole <= 0) return "—";
  return `${Math.round((part / whole) * 100)} %`;
}
