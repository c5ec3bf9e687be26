import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { describe, expect, it } from "vitest";
import { CadenasDB, setMeta, type DebtorRow } from "../../../client/store/db";
import { READ_CHUNK, debtorRowsQuery } from "../../../client/store/list-rows";
import { debtorDoc } from "../../support/debtor-doc";

// *Aujourd'hui*'s list of every debtor does not read every stored row again after each page of a first sync (a long
// frame a page on a phone); it shows the first page's, then everything once the sync is over, or once a pass ends.

function phone(): CadenasDB {
  return new CadenasDB(`list-rows-${Math.random()}`, { indexedDB: new IDBFactory(), IDBKeyRange });
}

function rows(from: number, n: number): DebtorRow[] {
  return Array.from({ length: n }, (_, i) => {
    const customerId = `0190f1c2-0000-7000-8000-${String(from + i).padStart(12, "0")}`;
    return { customerId, base: debtorDoc({ customerId }), view: null, unitIds: [], taskIds: [] };
  });
}

describe("the rows of the list of every debtor", () => {
  it("keeps the first page's rows while a first sync stores the next pages, then reads them all at its end", async () => {
    const db = phone();
    const read = debtorRowsQuery(db);
    expect(await read()).toEqual([]);
    await db.debtors.bulkPut(rows(0, 3));
    const firstPage = await read();
    expect(firstPage).toHaveLength(3);

    await db.debtors.bulkPut(rows(3, 3));
    expect(await read()).toBe(firstPage);

    await setMeta(db, "cursor", "v42");
    expect(await read()).toHaveLength(6);
    db.close();
  });

  it("shows what was stored when a pass of the first sync ends without finishing (no signal)", async () => {
    const db = phone();
    const read = debtorRowsQuery(db);
    await db.debtors.bulkPut(rows(0, 2));
    expect(await read()).toHaveLength(2);
    await db.debtors.bulkPut(rows(2, 2));
    await setMeta(db, "lastOutcome", "offline");
    expect(await read()).toHaveLength(4);
    db.close();
  });

  it("follows every change once the phone has synced, and a store emptied (another user) at once", async () => {
    const db = phone();
    await setMeta(db, "cursor", "v1");
    const read = debtorRowsQuery(db);
    await db.debtors.bulkPut(rows(0, 2));
    expect(await read()).toHaveLength(2);
    await db.debtors.bulkPut(rows(2, 1));
    expect(await read()).toHaveLength(3);

    await setMeta(db, "cursor", null);
    await db.debtors.clear();
    expect(await read()).toEqual([]);
    db.close();
  });

  it("reads every row, in key order, a few hundred a request", async () => {
    const db = phone();
    await setMeta(db, "cursor", "v1");
    const all = rows(0, READ_CHUNK * 2 + 7);
    await db.debtors.bulkPut([...all].reverse());
    const read = await debtorRowsQuery(db)();
    expect(read.map((r) => r.customerId)).toEqual(all.map((r) => r.customerId));
    db.close();
  });

  it("turns each row into the list's line once as it is read, and not again while a first sync stores its pages", async () => {
    const db = phone();
    const derived: string[] = [];
    const read = debtorRowsQuery(db, (row) => (derived.push(row.customerId), row.customerId.slice(-3)));
    await db.debtors.bulkPut(rows(0, READ_CHUNK + 2));
    expect(await read()).toEqual(rows(0, READ_CHUNK + 2).map((r) => r.customerId.slice(-3)));
    expect(derived).toHaveLength(READ_CHUNK + 2);

    await db.debtors.bulkPut(rows(READ_CHUNK + 2, 5));
    await read();
    expect(derived).toHaveLength(READ_CHUNK + 2);

    await setMeta(db, "cursor", "v7");
    expect(await read()).toHaveLength(READ_CHUNK + 7);
    expect(derived).toHaveLength(2 * READ_CHUNK + 9);
    db.close();
  });
});
