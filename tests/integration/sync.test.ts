import { createClient } from "@libsql/client";
import { and, eq, inArray } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { users, userSites } from "../../server/auth/auth.sql";
import { actions, cases, tasks } from "../../server/cases/cases.sql";
import { customers } from "../../server/customers/customers.sql";
import { messages } from "../../server/messaging/messaging.sql";
import { sites, units } from "../../server/sites/sites.sql";
import { compactChanges, markCustomersChanged } from "../../server/sync/changes";
import { pullChanges } from "../../server/sync/pull";
import { processedMutations } from "../../server/sync/sync.sql";
import type { DebtorDoc, PullResponse } from "../../shared/schemas/debtor-doc";
import { MUTATION_VERSION, type Mutation, type MutationKind, type MutationPayload, type PushResponse } from "../../shared/schemas/mutations";
import { addDays } from "../../shared/dates";
import { call, signIn, startTestServer, TEST_TODAY, type TestServer } from "../support/server";

/** A photo's SHA-256: the server takes the mutation before the photo's bytes. */
const PHOTO = "c".repeat(64);

let server: TestServer;
let url: string;
let vt: string; // site manager of LYO
let manager: string; // both sites
let office: string;

beforeAll(async () => {
  server = await startTestServer();
  url = server.url;
  [vt, manager, office] = await Promise.all([signIn(url, "gestionnaire@demo.test"), signIn(url, "manager@demo.test"), signIn(url, "bureau@demo.test")]);
});
afterAll(() => server.close());

/** A phone: its id, its own counter, and the helpers to push and pull as it would. */
function phone(cookie: string) {
  const clientId = uuidv7();
  let seq = 0;
  return {
    clientId,
    make<K extends MutationKind>(kind: K, payload: MutationPayload<K>, happenedAt = server.services.clock.now().toISOString()): Mutation {
      return { id: uuidv7(), seq: ++seq, v: MUTATION_VERSION, kind, payload, happenedAt } as Mutation;
    },
    // Typed loosely: a push may also be answered with an error body.
    push: (mutations: unknown[]) => call<PushResponse & { error?: any }>(url, "POST", "/api/sync/push", { cookie, body: { clientId, mutations } }),
    pull: (cursor: string | null, page?: string | null) => call<PullResponse>(url, "POST", "/api/sync/pull", { cookie, body: { clientId, cursor, page } }),
    async pullAll(cursor: string | null): Promise<{ docs: DebtorDoc[]; removed: string[]; cursor: string; reset: boolean; lastSeq: number }> {
      const docs: DebtorDoc[] = [];
      const removed: string[] = [];
      let page: string | null = null;
      let last: PullResponse;
      do {
        const res = await this.pull(cursor, page);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        last = res.body;
        docs.push(...last.docs);
        removed.push(...last.removed);
        page = last.nextPage;
      } while (last.hasMore);
      return { docs, removed, cursor: last.cursor, reset: last.reset, lastSeq: last.lastSeq };
    },
  };
}

async function unitsAt(code: string, padlock: "none" | "second_padlock") {
  const db = server.services.db;
  const [site] = await db.select().from(sites).where(eq(sites.code, code));
  const rows = await db.select().from(units).where(and(eq(units.siteId, site!.id), eq(units.padlockState, padlock)));
  // Only rented units: a padlock goes on a tenant's box.
  const rented = await db.all<{ unit_id: string }>(`select distinct unit_id from contracts`);
  const ids = new Set(rented.map((r) => r.unit_id));
  return rows.filter((u) => ids.has(u.id));
}

describe("pull", () => {
  it("sends everything in scope on a first pull, then only what changed", async () => {
    const p = phone(vt);
    const first = await p.pullAll(null);
    expect(first.reset).toBe(true);
    expect(first.docs.length).toBeGreaterThan(15);
    for (const d of first.docs) for (const u of d.units) expect(u.siteCode).toBe("LYO");
    expect(first.lastSeq).toBe(0);

    const again = await p.pullAll(first.cursor);
    expect(again.reset).toBe(false);
    expect(again.docs).toEqual([]);

    const target = first.docs[0]!;
    const note = p.make("note.added", { customerId: target.customerId, text: "Client passé à l'accueil" });
    expect((await p.push([note])).body.results[0]).toEqual({ id: note.id, status: "applied" });
    const after = await p.pullAll(again.cursor);
    expect(after.docs.map((d) => d.customerId)).toEqual([target.customerId]);
    expect(after.docs[0]!.history[0]).toMatchObject({ id: note.id, text: "Client passé à l'accueil", initials: "VT", kind: "note" });
    expect(after.lastSeq).toBe(1);
  });

  it("pages a large answer and the pages add up to the whole, first pull and changes alike", async () => {
    const db = server.services.db;
    const [user] = await db.select().from(users).where(eq(users.email, "bureau@demo.test"));
    const base = { user: { ...user!, sites: [] }, scope: { all: true } as const, asOf: TEST_TODAY, now: server.services.clock.now(), pageSize: 7 };
    const clientId = uuidv7();
    async function pullAll(cursor: string | null) {
      const pages: PullResponse[] = [];
      let page: string | null = null;
      do {
        pages.push(await pullChanges(db, { ...base, clientId, cursor, page }));
        page = pages.at(-1)!.nextPage;
      } while (page);
      return pages;
    }
    const first = await pullAll(null);
    const all = first.flatMap((x) => x.docs.map((d) => d.customerId));
    expect(first.length).toBeGreaterThan(3);
    expect(first.slice(0, -1).every((p) => p.docs.length === 7 && p.hasMore && p.reset)).toBe(true);
    expect(new Set(all).size).toBe(all.length);
    const today = (await call(url, "GET", "/api/today", { cookie: office })).body;
    expect(all.sort()).toEqual(today.debtors.map((d: DebtorDoc) => d.customerId).sort());
    // Sixteen customers change: three pages of changes, every one of them once, then nothing.
    const changed = all.slice(0, 16);
    await markCustomersChanged(db, [...changed, ...changed.slice(0, 5)]);
    const next = await pullAll(first.at(-1)!.cursor);
    expect(next.map((p) => p.docs.length)).toEqual([7, 7, 2]);
    expect(next.every((p) => !p.reset)).toBe(true);
    expect(next.flatMap((p) => p.docs.map((d) => d.customerId)).sort()).toEqual([...changed].sort());
    expect((await pullAll(next.at(-1)!.cursor)).flatMap((p) => p.docs)).toEqual([]);
  });

  it("drops a customer who is no longer followed", async () => {
    const p = phone(vt);
    const first = await p.pullAll(null);
    const leaving = first.docs.find((d) => d.case?.status === "open" && d.tasks.length === 0)!;
    const db = server.services.db;
    await db.update(cases).set({ status: "paid", closedOn: TEST_TODAY }).where(eq(cases.id, leaving.case!.id));
    await markCustomersChanged(db, [leaving.customerId]);
    const next = await p.pullAll(first.cursor);
    expect(next.removed).toEqual([leaving.customerId]);
    expect(next.docs).toEqual([]);
  });

  it("starts again from everything when the user's sites change, or the phone is unknown", async () => {
    const db = server.services.db;
    const p = phone(vt);
    const first = await p.pullAll(null);
    const [vtUser] = await db.select().from(users).where(eq(users.email, "gestionnaire@demo.test"));
    const [vil] = await db.select().from(sites).where(eq(sites.code, "VIL"));
    await db.insert(userSites).values({ userId: vtUser!.id, siteId: vil!.id });
    try {
      const cookie = await signIn(url, "gestionnaire@demo.test");
      const res = await call<PullResponse>(url, "POST", "/api/sync/pull", { cookie, body: { clientId: p.clientId, cursor: first.cursor } });
      expect(res.body.reset).toBe(true);
      expect(new Set(res.body.docs.flatMap((d) => d.units.map((u) => u.siteCode)))).toEqual(new Set(["LYO", "VIL"]));
    } finally {
      await db.delete(userSites).where(and(eq(userSites.userId, vtUser!.id), eq(userSites.siteId, vil!.id)));
    }
    const stranger = phone(vt);
    expect((await stranger.pull(first.cursor)).body.reset).toBe(true);
  });

  it("starts again from everything when the changes after the phone's cursor were compacted away", async () => {
    const p = phone(vt);
    const first = await p.pullAll(null);
    const docs = first.docs.slice(0, 3).map((d) => d.customerId);
    await markCustomersChanged(server.services.db, docs);
    await markCustomersChanged(server.services.db, docs);
    expect(await compactChanges(server.services.db, 1)).toBeGreaterThan(0);
    const next = await p.pullAll(first.cursor);
    expect(next.reset).toBe(true);
    expect(next.docs.length).toBe(first.docs.length);
    // A phone that was up to date is not reset by compaction.
    expect((await p.pullAll(next.cursor)).reset).toBe(false);
  });

  it("answers while another process holds the database's write lock: a pull takes no lock, a first pull included", async () => {
    const up = phone(vt);
    const first = await up.pullAll(null);
    const other = createClient({ url: server.services.config.databaseUrl });
    const lock = await other.transaction("write");
    try {
      const next = await up.pull(first.cursor);
      expect(next.status).toBe(200);
      expect(next.body.reset).toBe(false);
      // A phone never seen reads everything; its row is written after the read, once the lock is free.
      const fresh = phone(vt);
      const pending = fresh.pull(null);
      await lock.rollback();
      const seen = await pending;
      expect(seen.status).toBe(200);
      expect(seen.body.reset).toBe(true);
      expect((await fresh.pull(seen.body.cursor)).body.reset).toBe(false);
    } finally {
      lock.close();
      other.close();
    }
  });

  it("refuses a phone id that belongs to another user", async () => {
    const p = phone(vt);
    await p.pull(null);
    const res = await call(url, "POST", "/api/sync/pull", { cookie: manager, body: { clientId: p.clientId, cursor: null } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("CONFLICT");
  });
});

describe("push", () => {
  it("applies each mutation once: a retried batch is answered duplicate and stored once", async () => {
    const p = phone(vt);
    const doc = (await p.pullAll(null)).docs.find((d) => d.tasks.some((t) => t.kind === "call")) ?? (await p.pullAll(null)).docs[0]!;
    const batch = [
      p.make("call.logged", { customerId: doc.customerId, outcome: "no_answer" }),
      p.make("promise.made", { customerId: doc.customerId, promisedOn: addDays(TEST_TODAY, 5), amountCents: 15_000 }),
    ];
    const first = await p.push(batch);
    expect(first.status).toBe(200);
    expect(first.body.results.map((r) => r.status)).toEqual(["applied", "applied"]);
    const second = await p.push(batch);
    expect(second.body.results).toEqual(batch.map((m) => ({ id: m.id, status: "duplicate", original: "applied" })));
    const stored = await server.services.db.select().from(actions).where(inArray(actions.mutationId, batch.map((m) => m.id)));
    expect(stored).toHaveLength(2);
    expect(stored.find((a) => a.kind === "call")).toMatchObject({ outcome: "no_answer", initials: "VT", text: "Appel : pas de réponse, message laissé (rappeler au sujet du box)" });
    expect(stored.find((a) => a.kind === "promise")!.text).toBe("Promesse de paiement : 150,00 € le 27/11/2026");
  });

  it("completes the customer's call tasks when a call is logged", async () => {
    const db = server.services.db;
    const [task] = await db.select().from(tasks).where(and(eq(tasks.kind, "call"), eq(tasks.status, "open")));
    const [site] = await db.select().from(sites).where(eq(sites.id, task!.siteId));
    const p = phone(site!.code === "LYO" ? vt : manager);
    await p.push([p.make("call.logged", { customerId: task!.customerId, outcome: "answered", note: "Paiera vendredi" })]);
    const [after] = await db.select().from(tasks).where(eq(tasks.id, task!.id));
    expect(after!.status).toBe("done");
  });

  it("rejects, with a reason for the user, a mutation about another site's box, and keeps the rest of the batch", async () => {
    const p = phone(vt);
    const [elsewhere] = await unitsAt("VIL", "none");
    const [mine] = await unitsAt("LYO", "none");
    const batch = [p.make("padlock.placed", { unitId: elsewhere!.id, photos: [PHOTO] }), p.make("padlock.placed", { unitId: mine!.id, padlockNumber: "4412", photos: [PHOTO] })];
    const res = await p.push(batch);
    expect(res.body.results[0]).toEqual({ id: batch[0]!.id, status: "rejected", reason: { code: "OUT_OF_SCOPE", message: "Ce box n'est pas sur vos sites." } });
    expect(res.body.results[1]).toEqual({ id: batch[1]!.id, status: "applied" });
    const [unit] = await server.services.db.select().from(units).where(eq(units.id, mine!.id));
    expect(unit!.padlockState).toBe("second_padlock");
    const [untouched] = await server.services.db.select().from(units).where(eq(units.id, elsewhere!.id));
    expect(untouched!.padlockState).toBe("none");
    // Asked again, the refusal is remembered, not re-judged.
    expect((await p.push([batch[0]])).body.results[0]).toMatchObject({ status: "duplicate", original: "rejected", reason: { code: "OUT_OF_SCOPE" } });
  });

  it("keeps the rest of a batch whole around a refused action: the others written once, the refused one not at all", async () => {
    const p = phone(vt);
    const [mine] = (await p.pullAll(null)).docs;
    const [otherSite] = await server.services.db.all<{ id: string }>(
      `select c.customer_id as id from contracts c join units u on u.id = c.unit_id join sites s on s.id = u.site_id where s.code = 'VIL' limit 1`,
    );
    const batch = [
      p.make("note.added", { customerId: mine!.customerId, text: "avant" }),
      p.make("note.added", { customerId: otherSite!.id, text: "pas mon site" }),
      p.make("note.added", { customerId: mine!.customerId, text: "après" }),
    ];
    const res = await p.push(batch);
    expect(res.body.results.map((r) => r.status)).toEqual(["applied", "rejected", "applied"]);
    expect(res.body.results[1]).toMatchObject({ reason: { code: "OUT_OF_SCOPE" } });
    const written = await server.services.db.select({ id: actions.id, text: actions.text }).from(actions).where(inArray(actions.id, batch.map((m) => m.id)));
    expect(written.map((w) => w.id).sort()).toEqual([batch[0]!.id, batch[2]!.id].sort());
    const processed = await server.services.db.select().from(processedMutations).where(inArray(processedMutations.id, batch.map((m) => m.id)));
    expect(processed.map((r) => r.outcome).sort()).toEqual(["applied", "applied", "rejected"]);
    expect(res.body.lastSeq).toBe(3);
  });

  it("answers a malformed mutation with 400 naming the field, and applies nothing of that batch", async () => {
    const p = phone(vt);
    const doc = (await p.pullAll(null)).docs[0]!;
    const good = p.make("note.added", { customerId: doc.customerId, text: "ok" });
    const bad = { ...p.make("promise.made", { customerId: doc.customerId, promisedOn: addDays(TEST_TODAY, 8), amountCents: 100 }), payload: { customerId: doc.customerId, promisedOn: addDays(TEST_TODAY, 8), amountCents: -5 } };
    const res = await p.push([good, bad]);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
    expect(res.body.error.details.issues.map((i: { path: string }) => i.path)).toEqual(["mutations.1.payload.amountCents"]);
    expect(await server.services.db.select().from(processedMutations).where(eq(processedMutations.id, good.id))).toEqual([]);
    expect((await p.push([good])).body.results[0]!.status).toBe("applied");

    const unknownKind = await p.push([{ ...p.make("note.added", { customerId: doc.customerId, text: "x" }), kind: "coffee.made" }]);
    expect(unknownKind.status).toBe(400);
    expect(unknownKind.body.error.details.issues[0].path).toBe("mutations.0.kind");
  });

  it("keeps both phones' padlock events on one box and rejects the one that came second in time", async () => {
    const a = phone(vt);
    const b = phone(manager);
    const unit = (await a.pullAll(null)).docs.flatMap((d) => d.units).find((u) => u.padlock === "none");
    const early = a.make("padlock.placed", { unitId: unit!.id, padlockNumber: "1001", photos: [PHOTO] }, "2026-11-22T07:00:00.000Z");
    const late = b.make("padlock.placed", { unitId: unit!.id, padlockNumber: "2002", photos: [PHOTO] }, "2026-11-22T07:05:00.000Z");
    // The later one reaches the server first (phone A had no signal): it takes effect for now…
    expect((await b.push([late])).body.results[0]!.status).toBe("applied");
    // …until the earlier one arrives: it took effect first, so the later one is the one that could not.
    const res = await a.push([early]);
    expect(res.body.results[0]!.status).toBe("applied");
    const rows = await server.services.db.select().from(actions).where(inArray(actions.id, [early.id, late.id]));
    expect(rows.find((r) => r.id === early.id)!.rejectedReason).toBeNull();
    expect(rows.find((r) => r.id === late.id)!.rejectedReason).toMatch(/^Double cadenas déjà posé \(VT, 22\/11 à 08:00\)$/);
    // Both phones see both events, and which one did not take effect.
    for (const p of [a, b]) {
      const docs = (await p.pullAll(null)).docs;
      const history = docs.flatMap((d) => d.history).filter((h) => h.id === early.id || h.id === late.id);
      expect(history).toHaveLength(2);
      expect(history.find((h) => h.id === late.id)!.rejectedReason).toMatch(/déjà posé/);
    }
    // Removing twice: the second removal is kept and answered rejected.
    const r1 = a.make("padlock.removed", { unitId: unit!.id }, "2026-11-22T08:00:00.000Z");
    const r2 = b.make("padlock.removed", { unitId: unit!.id }, "2026-11-22T08:01:00.000Z");
    expect((await a.push([r1])).body.results[0]!.status).toBe("applied");
    expect((await b.push([r2])).body.results[0]).toMatchObject({ status: "rejected", reason: { code: "CONFLICT", message: expect.stringMatching(/^Aucun double cadenas à retirer/) } });
    expect(await server.services.db.select().from(actions).where(eq(actions.id, r2.id))).toHaveLength(1);
    const [final] = await server.services.db.select().from(units).where(eq(units.id, unit!.id));
    expect(final!.padlockState).toBe("none");
  });

  it("answers a task done twice with the reason, and writes a line for the first", async () => {
    const db = server.services.db;
    const [task] = await db.select().from(tasks).where(and(eq(tasks.status, "open"), eq(tasks.kind, "call")));
    const p = phone(manager);
    const first = await p.push([p.make("task.done", { taskId: task!.id })]);
    expect(first.body.results[0]!.status).toBe("applied");
    const second = await p.push([p.make("task.done", { taskId: task!.id })]);
    expect(second.body.results[0]).toMatchObject({ status: "rejected", reason: { code: "ALREADY_DONE" } });
    const lines = await db.select().from(actions).where(and(eq(actions.customerId, task!.customerId), eq(actions.kind, "task_done")));
    expect(lines.map((l) => l.text)).toContain("Fait : Appeler le client");
  });

  it("queues a message for the server to send, rendered for the customer, or says why it cannot", async () => {
    const p = phone(vt);
    const docs = (await p.pullAll(null)).docs;
    const withPhone = docs.find((d) => d.phone)!;
    const res = await p.push([p.make("message.requested", { customerId: withPhone.customerId, channel: "sms", templateCode: "rappel-sms" })]);
    expect(res.body.results[0]!.status).toBe("applied");
    const [queued] = await server.services.db.select().from(messages).where(eq(messages.customerId, withPhone.customerId));
    expect(queued).toMatchObject({ channel: "sms", status: "queued", recipient: withPhone.phone });
    expect(queued!.body).toContain(withPhone.name);
    expect(queued!.body).toContain(withPhone.units[0]!.number);
    expect(queued!.body).not.toMatch(/\{\{/);

    await server.services.db.update(customers).set({ email: null }).where(eq(customers.id, withPhone.customerId));
    const refused = await p.push([p.make("message.requested", { customerId: withPhone.customerId, channel: "email", templateCode: "rappel-email" })]);
    expect(refused.body.results[0]).toMatchObject({ status: "rejected", reason: { code: "NO_CONTACT", message: "Pas d'adresse e-mail pour ce client." } });
  });

  it("keeps the office's values for office fields next to the phone's events", async () => {
    const p = phone(vt);
    const first = await p.pullAll(null);
    const doc = first.docs.find((d) => !d.stop && d.case?.status === "open")!;
    const note = p.make("note.added", { customerId: doc.customerId, text: "Vu sur place" });
    await p.push([note]);
    const db = server.services.db;
    await db.update(customers).set({ stop: true }).where(eq(customers.id, doc.customerId));
    await db.update(cases).set({ level: "R2" }).where(eq(cases.id, doc.case!.id));
    await markCustomersChanged(db, [doc.customerId]);
    const next = await p.pullAll(first.cursor);
    const updated = next.docs.find((d) => d.customerId === doc.customerId)!;
    expect(updated.stop).toBe(true);
    expect(updated.case!.level).toBe("R2");
    expect(updated.history.some((h) => h.id === note.id)).toBe(true);
  });

  it("puts the event of a phone whose clock runs ahead at the server's time, keeping the phone's", async () => {
    const p = phone(vt);
    const doc = (await p.pullAll(null)).docs[0]!;
    const m = p.make("note.added", { customerId: doc.customerId, text: "horloge en avance" }, "2030-01-01T00:00:00.000Z");
    await p.push([m]);
    const [row] = await server.services.db.select().from(actions).where(eq(actions.id, m.id));
    expect(row!.happenedAt < "2030-01-01").toBe(true);
    expect(row!.data).toMatchObject({ deviceTime: "2030-01-01T00:00:00.000Z" });
  });

  it("refuses a batch over 200 mutations and a body over 1 MiB", async () => {
    const p = phone(vt);
    const doc = (await p.pullAll(null)).docs[0]!;
    const many = Array.from({ length: 201 }, () => p.make("note.added", { customerId: doc.customerId, text: "x" }));
    expect((await p.push(many)).status).toBe(400);
    const huge = await call(url, "POST", "/api/sync/push", { cookie: vt, rawBody: JSON.stringify({ clientId: p.clientId, mutations: [], pad: "x".repeat(1_100_000) }) });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe("PAYLOAD_TOO_LARGE");
  });
});
