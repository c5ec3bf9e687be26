import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { CadenasDB, setMeta, type DebtorRow } from "../../../client/store/db";
import { PEEK_CHUNK, peekStore } from "../../../client/store/peek";
import { debtorDoc } from "../../support/debtor-doc";

// The first screen's read of the phone's store, before Dexie has come down the network: every debtor, in key order,
// turned into the list's lines a hundred at a time, and nothing created where there is no store yet.

function rows(n: number): DebtorRow[] {
  return Array.from({ length: n }, (_, i) => {
    const customerId = `0190f1c2-0000-7000-8000-${String(i).padStart(12, "0")}`;
    return { customerId, base: debtorDoc({ customerId }), view: null, unitIds: [], taskIds: [] };
  });
}

describe("the first screen's peek at the phone's store", () => {
  it("reads every debtor in key order, a hundred a request, each turned into the screen's line once", async () => {
    const name = `peek-${Math.random()}`;
    const db = new CadenasDB(name);
    const all = rows(PEEK_CHUNK * 2 + 3);
    await db.debtors.bulkPut([...all].reverse());
    await setMeta(db, "lastSyncAt", "2026-11-22T08:00:00.000Z");
    db.close();

    let derived = 0;
    const peek = await peekStore((row) => (derived++, row.customerId), name);
    expect(peek?.items).toEqual(all.map((r) => r.customerId));
    expect(derived).toBe(all.length);
    expect(peek?.lastSyncAt).toBe("2026-11-22T08:00:00.000Z");
  });

  it("reads an exact number of hundreds, and an empty store, to the end", async () => {
    for (const n of [PEEK_CHUNK, 0]) {
      const name = `peek-${Math.random()}`;
      const db = new CadenasDB(name);
      await db.debtors.bulkPut(rows(n));
      db.close();
      expect((await peekStore((row) => row.customerId, name))?.items).toHaveLength(n);
    }
  });

  it("creates no database where the app has made none yet", async () => {
    const name = `peek-${Math.random()}`;
    expect(await peekStore((row) => row, name)).toBeNull();
    expect((await indexedDB.databases()).map((d) => d.name)).not.toContain(name);
  });
});
