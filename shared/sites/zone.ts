/**
 * A site's time zone: its own, or the server's `TZ_SITE` (`fallback`) when none is set — or when there is no site
 * (a customer with no box left). Its calendar, "today", SMS hours and the engine's day all follow it.
 */
export function siteZone(site: { timeZone?: string | null } | null | undefined, fallback: string): string {
  return site?.timeZone ?? fallback;
}

/**
 * The calendar a user works on: their sites' time zone when they all share one (a site manager's site), else the
 * server's `TZ_SITE`. The phone shows its dates in it and the server applies that user's actions in the same one,
 * so "today" and "the same day" mean the same thing on both sides.
 */
export function userTimeZone(sites: readonly { timeZone?: string | null }[], fallback: string): string {
  const zones = new Set(sites.map((s) => siteZone(s, fallback)));
  return zones.size === 1 ? [...zones][0]! : fallback;
}
