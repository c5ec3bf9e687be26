import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { cleanup, render, screen } from "@solidjs/testing-library";
import { afterEach, describe, expect, it } from "vitest";
import { HistoryList } from "../../../client/pages/debtor/History";
import { CadenasDB, type DebtorRow } from "../../../client/store/db";
import { recordAction } from "../../../client/store/record";
import { applyToDoc } from "../../../shared/floor/apply";
import type { Mutation } from "../../../shared/schemas/mutations";
import { CUSTOMER, debtorDoc } from "../../support/debtor-doc";

// A tap is drawn before its strict IndexedDB transaction commits (a commit takes more than a frame on a phone),
// marked « en cours d'enregistrement »; it says « en attente d'envoi » only once it is stored.

const who = { userId: "0190d3c0-0000-7000-8000-000000000001", initials: "VT", timeZone: "Europe/Paris" };
const user = { id: who.userId, initials: "VT", name: "Valérie Thomas", email: "vt@example.test", role: "site_manager" } as never;

function phone(): CadenasDB {
  return new CadenasDB(`saving-${Math.random()}`, { indexedDB: new IDBFactory(), IDBKeyRange });
}

async function withDebtor(db: CadenasDB): Promise<void> {
  const base = debtorDoc();
  await db.debtors.put({ customerId: CUSTOMER, base, view: null, unitIds: [], taskIds: [] });
}

describe("a floor action being saved", () => {
  it("is handed to the screen checked and before it is written, then again once committed", async () => {
    const db = phone();
    await withDebtor(db);
    const seen: string[] = [];
    // Dexie calls this when the action's write is issued, inside its transaction.
    db.outbox.hook("creating", () => void seen.push("written"));
    let savedRow: DebtorRow | undefined;
    // The recorder marks the commit (for the tap-latency benchmark): not yet when the screen is first told.
    const marksBefore = performance.getEntriesByName("cadenas:saved").length;
    const m = await recordAction(db, who, "note.added", { customerId: CUSTOMER, text: "Client absent" }, undefined, {
      saving: (mutation) => {
        seen.push(`saving ${mutation.kind}`);
        expect(performance.getEntriesByName("cadenas:saved")).toHaveLength(marksBefore);
      },
      saved: (row, mutation) => {
        seen.push(`saved ${mutation.kind}`);
        savedRow = row;
      },
    });
    expect(seen).toEqual(["saving note.added", "written", "saved note.added"]);
    expect(await db.outbox.count()).toBe(1);
    expect(savedRow?.view?.history[0]).toMatchObject({ id: m.id, pending: true });
    db.close();
  });

  it("is stored all the same when the screen fails to draw it", async () => {
    const db = phone();
    await withDebtor(db);
    const m = await recordAction(db, who, "note.added", { customerId: CUSTOMER, text: "Client absent" }, undefined, {
      saving: () => {
        throw new Error("the screen broke");
      },
    });
    expect((await db.outbox.toArray()).map((e) => e.id)).toEqual([m.id]);
    db.close();
  });

  it("is not handed to the screen when its check fails", async () => {
    const db = phone();
    const seen: string[] = [];
    await expect(recordAction(db, who, "note.added", { customerId: CUSTOMER, text: "" }, undefined, { saving: () => seen.push("saving") })).rejects.toThrow();
    expect(seen).toEqual([]);
    expect(await db.outbox.count()).toBe(0);
    db.close();
  });
});

describe("the history line of an action", () => {
  afterEach(cleanup);
  const note = (id: string): Mutation =>
    ({ id, seq: 1, v: 1, kind: "note.added", payload: { customerId: CUSTOMER, text: "Client absent" }, happenedAt: "2026-11-22T09:00:00.000Z" }) as Mutation;
  const id = "0190d3c0-0000-7000-8000-0000000000aa";
  const doc = applyToDoc(debtorDoc(), note(id), who);

  it("says « en cours d'enregistrement » while its write has not committed", () => {
    render(() => <HistoryList doc={doc} user={user} saving={new Set([id])} />);
    expect(screen.getByText("En cours d'enregistrement")).toBeTruthy();
    expect(screen.queryByText("En attente d'envoi")).toBeNull();
    expect(document.querySelector(".timeline li.pending")).toBeNull();
    expect(document.querySelector(".timeline li.saving")).not.toBeNull();
  });

  it("says « en attente d'envoi » once stored", () => {
    render(() => <HistoryList doc={doc} user={user} saving={new Set()} />);
    expect(screen.getByText("En attente d'envoi")).toBeTruthy();
    expect(screen.queryByText("En cours d'enregistrement")).toBeNull();
    expect(document.querySelector(".timeline li.pending")).not.toBeNull();
  });
});
