import { daysBetween, todayIn } from "../shared/dates";
import { userTimeZone } from "../shared/sites/zone";
import type { Clock } from "./context";

/**
 * The server's clock. `NOW` starts it at that instant, `TODAY` on that day at the real time of day; either way it
 * runs from there, so what is recorded after a pinned start still comes in order (a letter posted, then the engine's
 * next run). Unpinned, it is the machine's clock.
 */
export function systemClock(config: { now?: string; today?: string; siteTimeZone: string }, real: () => Date = () => new Date()): Clock {
  const start = real();
  const offsetMs = config.now
    ? Date.parse(config.now) - start.getTime()
    : config.today
      ? daysBetween(todayIn(config.siteTimeZone, start), config.today) * 86_400_000
      : 0;
  const now = () => new Date(real().getTime() + offsetMs);
  const dayIn = (timeZone: string) => config.today ?? todayIn(timeZone, now());
  return {
    now,
    today: () => dayIn(config.siteTimeZone),
    todayIn: dayIn,
  };
}

/** "Today" as a user's screens mean it: their sites' calendar day when the sites share a zone, else TZ_SITE's. */
export function userToday(clock: Clock, user: { sites: readonly { timeZone?: string | null }[] }, defaultZone: string): string {
  return clock.todayIn(userTimeZone(user.sites, defaultZone));
}
