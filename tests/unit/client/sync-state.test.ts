import { describe, expect, it } from "vitest";
import { syncStateOf, type SyncStatus } from "../../../client/store/status";

const upToDate: SyncStatus = { pending: 0, photosQueued: 0, setAside: [], rejected: [], refusedPhotos: [], lastSyncAt: "2026-11-22T09:00:00.000Z", pulled: true, problem: null, lastOutcome: "synced" };

describe("the status bar's one word", () => {
  it("says synced only when nothing waits and the phone holds the server's copy", () => {
    expect(syncStateOf(upToDate, true)).toBe("synced");
  });

  it("is a first sync, not 'synced', while a phone with nothing to send has not finished its first pull", () => {
    expect(syncStateOf({ ...upToDate, pulled: false, lastSyncAt: null, lastOutcome: null }, true)).toBe("first-sync");
  });

  it("puts no signal before anything else, then what waits, then what went wrong", () => {
    expect(syncStateOf({ ...upToDate, pending: 2 }, false)).toBe("offline");
    expect(syncStateOf({ ...upToDate, pending: 2, problem: "HTTP 500" }, true)).toBe("pending");
    expect(syncStateOf({ ...upToDate, problem: "Mise à jour impossible (500)." }, true)).toBe("problem");
  });
});
