import { and, eq, inArray } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actions } from "../../server/cases/cases.sql";
import { loadFacts, loadScenarios } from "../../server/engine/facts";
import { addDays, formatDateFr } from "../../shared/dates";
import { paused } from "../../shared/engine/engine";
import { priorityOf } from "../../shared/engine/priority";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import type { DebtorDetail } from "../../shared/schemas/debtors";
import { MUTATION_VERSION, type Mutation, type MutationKind, type MutationPayload, type PushResponse } from "../../shared/schemas/mutations";
import { call, firstSyncDocs, signIn, startTestServer, TEST_NOW, TEST_TODAY, type TestServer } from "../support/server";

const PARIS = "Europe/Paris";
let server: TestServer;
let vt: string; // site manager of LYO, initials VT
let manager: string; // also sees LYO: another user, who may not correct VT's entries
/** Debtors of LYO with an open case, a balance and no promise on record yet: one a test. */
let fresh: DebtorDoc[];

/** Instants of the pinned day (10:00 in Paris is TEST_NOW): `at(-30)` is half an hour earlier. */
const at = (minutes: number) => new Date(TEST_NOW.getTime() + minutes * 60_000).toISOString();

beforeAll(async () => {
  server = await startTestServer({ env: { NOW: TEST_NOW.toISOString() } });
  [vt, manager] = await Promise.all([signIn(server.url, "gestionnaire@demo.test"), signIn(server.url, "manager@demo.test")]);
  const docs = (await phone(vt).pull()).docs.filter((d) => d.case?.status === "open" && d.balanceCents > 0);
  const promised = await server.services.db
    .selectDistinct({ id: actions.customerId })
    .from(actions)
    .where(and(eq(actions.kind, "promise"), inArray(actions.customerId, docs.map((d) => d.customerId))));
  fresh = docs.filter((d) => !promised.some((p) => p.id === d.customerId));
  expect(fresh.length).toBeGreaterThan(4);
});
afterAll(() => server.close());

function phone(cookie: string) {
  const clientId = uuidv7();
  let seq = 0;
  return {
    make<K extends MutationKind>(kind: K, payload: MutationPayload<K>, happenedAt: string): Mutation {
      return { id: uuidv7(), seq: ++seq, v: MUTATION_VERSION, kind, payload, happenedAt } as Mutation;
    },
    async push(mutations: Mutation[]): Promise<PushResponse["results"]> {
      const res = await call<PushResponse>(server.url, "POST", "/api/sync/push", { cookie, body: { clientId, mutations } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.results;
    },
    async pull(): Promise<{ docs: DebtorDoc[] }> {
      return { docs: await firstSyncDocs(server.url, cookie, clientId) };
    },
  };
}

async function docOf(customerId: string): Promise<DebtorDoc> {
  const doc = (await phone(vt).pull()).docs.find((d) => d.customerId === customerId);
  expect(doc).toBeDefined();
  return doc!;
}

async function promisesInFacts(customerId: string) {
  const db = server.services.db;
  const [facts] = await loadFacts(db, [customerId], await loadScenarios(db), PARIS);
  return facts!.input.promises ?? [];
}

describe("a promise made again", () => {
  it("a new promise replaces the earlier one, which is not counted as broken", async () => {
    const customer = fresh[0]!;
    const p = phone(vt);
    // First "in ten days", then, on the phone again, the customer corrects it to "in three days".
    const first = p.make("promise.made", { customerId: customer.customerId, promisedOn: addDays(TEST_TODAY, 10), amountCents: 15_000 }, at(-60));
    const again = p.make("promise.made", { customerId: customer.customerId, promisedOn: addDays(TEST_TODAY, 3), amountCents: 12_000 }, at(-30));
    expect((await p.push([first, again])).map((r) => r.status)).toEqual(["applied", "applied"]);

    const doc = await docOf(customer.customerId);
    expect(doc.promise).toMatchObject({ promisedOn: addDays(TEST_TODAY, 3), amountCents: 12_000 });
    const reasons = priorityOf(doc, TEST_TODAY).parts.map((x) => x.reason);
    expect(reasons.filter((r) => r.includes("non tenue"))).toEqual([]);
    // The engine holds the reminders until the new day only, not until the earlier promise's later one.
    const promises = await promisesInFacts(customer.customerId);
    expect(promises).toHaveLength(2);
    expect(paused({ promises, payments: [] }, addDays(TEST_TODAY, 3))).toBe(true);
    expect(paused({ promises, payments: [] }, addDays(TEST_TODAY, 5))).toBe(false);
  });
});

describe("correcting a floor entry", () => {
  it("keeps the corrected promise in the history, struck, and leaves it out of the engine's facts", async () => {
    const customer = fresh[1]!;
    const p = phone(vt);
    const promise = p.make("promise.made", { customerId: customer.customerId, promisedOn: addDays(TEST_TODAY, 5), amountCents: 15_000 }, at(-20));
    expect((await p.push([promise]))[0]!.status).toBe("applied");
    expect(await promisesInFacts(customer.customerId)).toHaveLength(1);

    const correction = p.make("entry.corrected", { customerId: customer.customerId, actionId: promise.id }, at(-10));
    expect(await p.push([correction])).toEqual([{ id: correction.id, status: "applied" }]);

    expect(await promisesInFacts(customer.customerId)).toEqual([]);
    const doc = await docOf(customer.customerId);
    expect(doc.promise ?? null).toBeNull();
    // Both lines kept: the promise, struck by VT, and the correction naming it.
    const [line, original] = doc.history;
    expect(line).toMatchObject({ id: correction.id, kind: "correction", initials: "VT", correctsId: promise.id });
    expect(line!.text).toMatch(/^Correction : promesse de paiement annulée \(« Promesse de paiement : 150,00 € le .+ »\)$/);
    expect(original).toMatchObject({ id: promise.id, kind: "promise", correctedBy: "VT", correctedAt: at(-10) });
    const rows = await server.services.db.select().from(actions).where(inArray(actions.id, [promise.id, correction.id]));
    expect(rows).toHaveLength(2);
    // The office's full history says it too.
    const detail = await call<DebtorDetail>(server.url, "GET", `/api/debtors/${customer.customerId}`, { cookie: vt });
    expect(detail.body.history.find((h) => h.id === promise.id)).toMatchObject({ correctedBy: "VT", correctedAt: at(-10) });
  });

  it("takes an entry and its correction sent in the same batch", async () => {
    const customer = fresh[2]!;
    const p = phone(vt);
    const note = p.make("note.added", { customerId: customer.customerId, text: "Mauvais client" }, at(-5));
    const correction = p.make("entry.corrected", { customerId: customer.customerId, actionId: note.id }, at(-4));
    expect((await p.push([note, correction])).map((r) => r.status)).toEqual(["applied", "applied"]);
    expect((await docOf(customer.customerId)).history.find((h) => h.id === note.id)).toMatchObject({ correctedBy: "VT" });
  });

  it("refuses, with its reason, a correction by another user, on another day, of a padlock, or a second time", async () => {
    const customer = fresh[3]!;
    const p = phone(vt);
    const today = p.make("call.logged", { customerId: customer.customerId, outcome: "no_answer" }, at(-30));
    const yesterday = p.make("note.added", { customerId: customer.customerId, text: "Note d'hier" }, new Date(TEST_NOW.getTime() - 86_400_000).toISOString());
    expect((await p.push([today, yesterday])).map((r) => r.status)).toEqual(["applied", "applied"]);

    const other = phone(manager);
    const byManager = other.make("entry.corrected", { customerId: customer.customerId, actionId: today.id }, at(-1));
    expect(await other.push([byManager])).toEqual([
      { id: byManager.id, status: "rejected", reason: { code: "NOT_AUTHOR", message: "Seul l'auteur de la saisie (VT) peut la corriger." } },
    ]);
    const late = p.make("entry.corrected", { customerId: customer.customerId, actionId: yesterday.id }, at(-1));
    expect(await p.push([late])).toEqual([
      { id: late.id, status: "rejected", reason: { code: "OTHER_DAY", message: `Une saisie se corrige le jour même : celle-ci date du ${formatDateFr(addDays(TEST_TODAY, -1))}.` } },
    ]);
    const first = p.make("entry.corrected", { customerId: customer.customerId, actionId: today.id }, at(-1));
    const second = p.make("entry.corrected", { customerId: customer.customerId, actionId: today.id }, at(0));
    const results = await p.push([first, second]);
    expect(results[0]).toEqual({ id: first.id, status: "applied" });
    expect(results[1]).toMatchObject({ status: "rejected", reason: { code: "ALREADY_CORRECTED" } });
    // Nothing of a refused correction is written: one correction row only.
    const rows = await server.services.db.select().from(actions).where(eq(actions.correctsId, today.id));
    expect(rows.map((r) => r.id)).toEqual([first.id]);
  });

  it("refuses to correct a padlock placed: it is evidence, with its photos", async () => {
    const customer = fresh.find((d) => d.units.some((u) => u.padlock === "none"))!;
    const unit = customer.units.find((u) => u.padlock === "none")!;
    const p = phone(vt);
    const placed = p.make("padlock.placed", { unitId: unit.id, photos: ["d".repeat(64)] }, at(-3));
    expect((await p.push([placed]))[0]!.status).toBe("applied");
    const correction = p.make("entry.corrected", { customerId: customer.customerId, actionId: placed.id }, at(-2));
    expect((await p.push([correction]))[0]).toMatchObject({ status: "rejected", reason: { code: "NOT_CORRECTABLE" } });
  });
});
