import { SET_ASIDE_RETRY_MS, type SyncEngine, type SyncOutcome, type SyncUser } from "./sync";

/**
 * When the phone syncs: right after each action, when the network comes back, when the app comes to the
 * foreground, and every 30 s while it is in view; after a failure, again with growing pauses (2 s … 5 min).
 * Never through the Background Sync API (Safari and Firefox do not have it). One tab at a time syncs (Web Locks);
 * the others see the result through the shared database. Once an hour, in view or not, a pass runs so that the
 * engine tries the set-aside actions again (it tries them at the first pass after the app starts, too).
 */
export interface SyncScheduler {
  /** Sync shortly (debounced): after an action, or when the user asks. */
  soon(): void;
  stop(): void;
}

const INTERVAL_MS = 30_000;
const MAX_BACKOFF_MS = 300_000;

export function startSyncScheduler(engine: Pick<SyncEngine, "syncOnce">, currentUser: () => SyncUser | null, onSignedOut: () => void): SyncScheduler {
  let running = false;
  let again = false;
  let backoff = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let soonTimer: ReturnType<typeof setTimeout> | undefined;

  const run = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    const user = currentUser();
    if (!user) return;
    running = true;
    clearTimeout(retryTimer);
    let outcome: SyncOutcome | "busy" = "busy";
    try {
      outcome = await exclusively(() => engine.syncOnce(user));
    } catch (e) {
      console.error("[sync] pass failed", e);
      outcome = "failed";
    } finally {
      running = false;
    }
    if (outcome === "signed-out") onSignedOut();
    if (outcome === "offline" || outcome === "failed") {
      backoff = Math.min(backoff ? backoff * 2 : 2_000, MAX_BACKOFF_MS);
      retryTimer = setTimeout(() => void run(), backoff);
    } else if (outcome === "synced") {
      backoff = 0;
    }
    if (again) {
      again = false;
      void run();
    }
  };

  const soon = () => {
    clearTimeout(soonTimer);
    soonTimer = setTimeout(() => void run(), 250);
  };
  const onOnline = () => {
    backoff = 0;
    soon();
  };
  const onVisible = () => {
    if (document.visibilityState === "visible") soon();
  };
  window.addEventListener("online", onOnline);
  document.addEventListener("visibilitychange", onVisible);
  const interval = setInterval(() => {
    if (document.visibilityState === "visible" && backoff === 0) void run();
  }, INTERVAL_MS);
  const hourly = setInterval(() => void run(), SET_ASIDE_RETRY_MS);
  soon();

  return {
    soon,
    stop() {
      window.removeEventListener("online", onOnline);
      document.removeEventListener("visibilitychange", onVisible);
      clearInterval(interval);
      clearInterval(hourly);
      clearTimeout(retryTimer);
      clearTimeout(soonTimer);
    },
  };
}

/** Runs `fn` only if no other tab is syncing; returns "busy" when one is. */
async function exclusively<T>(fn: () => Promise<T>): Promise<T | "busy"> {
  if (!navigator.locks) return fn();
  return navigator.locks.request("cadenas-sync", { ifAvailable: true }, async (lock) => (lock ? fn() : "busy"));
}
