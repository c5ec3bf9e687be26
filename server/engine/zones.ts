import { siteZone } from "../../shared/sites/zone";
import type { Database, Transaction } from "../db/client";
import { sites } from "../sites/sites.sql";

/** Which customers a run looks at: those with a box (a contract, ended or not) at these sites. */
export interface SiteFilter {
  ids: readonly string[];
  /** Also the customers with no box at any site (they follow `TZ_SITE`'s day). */
  boxless: boolean;
}

/** One time zone's daily run: its day, its hour, and the customers of its sites. */
export interface EngineZone {
  timeZone: string;
  /** Undefined: every customer — all the sites share this zone (the usual case), so there is nothing to filter. */
  sites?: SiteFilter;
}

/**
 * The daily runs there are: one a time zone the sites are in (a site with none set follows `TZ_SITE`), so each
 * site's day starts at `ENGINE_AT` its own time. When every site shares one zone, it is a single run over every
 * customer. Customers with no box go with `TZ_SITE`'s run (else the first zone's); a customer with boxes in two
 * zones is looked at by both runs, and whichever comes second finds its actions already recorded.
 */
export async function engineZones(db: Database | Transaction, defaultTimeZone: string): Promise<EngineZone[]> {
  const rows = await db.select({ id: sites.id, timeZone: sites.timeZone }).from(sites);
  const byZone = new Map<string, string[]>();
  for (const s of rows) {
    const zone = siteZone(s, defaultTimeZone);
    byZone.set(zone, [...(byZone.get(zone) ?? []), s.id]);
  }
  const zones = [...byZone.keys()].sort();
  if (zones.length <= 1) return [{ timeZone: zones[0] ?? defaultTimeZone }];
  const boxlessZone = byZone.has(defaultTimeZone) ? defaultTimeZone : zones[0];
  return zones.map((timeZone) => ({ timeZone, sites: { ids: byZone.get(timeZone)!, boxless: timeZone === boxlessZone } }));
}
