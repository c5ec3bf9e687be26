import { eq, sql } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { users } from "../../server/auth/auth.sql";
import { actions } from "../../server/cases/cases.sql";
import { units } from "../../server/sites/sites.sql";
import { addDays, zonedInstant } from "../../shared/dates";
import { bestHourToCall, priorityOf } from "../../shared/engine/priority";
import type { ActionKind, CallOutcome } from "../../shared/enums";
import { HISTORY_LISTED, HISTORY_READ } from "../../shared/floor/history";
import { walkthrough } from "../../shared/floor/walkthrough";
import type { DebtorDoc, DocHistory } from "../../shared/schemas/debtor-doc";
import type { DebtorDetail } from "../../shared/schemas/debtors";
import { call, firstSyncDocs, signIn, startTestServer, TEST_TODAY, type TestServer } from "../support/server";

// Issue 19: the documents a phone keeps are slimmed to what its screens show. The debtor screen lists the
// HISTORY_LISTED newest lines; the rules that read further back (best hour to call, broken promises, the padlock
// round) get the older lines they read in brief, so they answer as they did with HISTORY_READ whole lines; the
// older history is read online. Fields that would say nothing (null) are left out.

const PARIS = "Europe/Paris";
let server: TestServer;
let vt: string;

beforeAll(async () => {
  server = await startTestServer();
  vt = await signIn(server.url, "gestionnaire@demo.test");
});
afterAll(() => server.close());

function firstSync(cookie: string): Promise<DebtorDoc[]> {
  return firstSyncDocs(server.url, cookie, uuidv7());
}

/**
 * The k-th newest of 40 lines (k = 0 newest, one a day): notes and SMS in the listed ones; in the older
 * ones up to HISTORY_READ, calls answered in the morning, one unanswered in the afternoon, two promises (the
 * earlier broken by the later) and the padlock placed; past HISTORY_READ, calls answered in the evening and a
 * promise, which no rule read before and none must read now.
 */
function line(k: number): { kind: ActionKind; outcome: CallOutcome | null; hour: string; text: string; promise?: true } {
  if (k < HISTORY_LISTED) return k % 2 ? { kind: "note", outcome: null, hour: "11:00", text: `Note ${k}` } : { kind: "sms", outcome: null, hour: "11:30", text: `SMS ${k}` };
  if (k < HISTORY_READ) {
    if (k === 10 || k === 12 || k === 14) return { kind: "call", outcome: "answered", hour: "09:30", text: `Appel ${k} : joint` };
    if (k === 11) return { kind: "call", outcome: "no_answer", hour: "15:00", text: `Appel ${k} : pas de réponse` };
    if (k === 13 || k === 16) return { kind: "promise", outcome: null, hour: "10:00", text: `Promesse ${k}`, promise: true };
    if (k === 18) return { kind: "padlock_placed", outcome: null, hour: "10:15", text: "Double cadenas posé" };
    return { kind: "note", outcome: null, hour: "11:00", text: `Note ${k}` };
  }
  if (k === 30) return { kind: "promise", outcome: null, hour: "10:00", text: `Promesse ${k}`, promise: true };
  return k % 2 ? { kind: "call", outcome: "answered", hour: "18:30", text: `Appel ${k} : joint le soir` } : { kind: "note", outcome: null, hour: "11:00", text: `Note ${k}` };
}

describe("a debtor with 40 actions", () => {
  let target: DebtorDoc;
  let doc: DebtorDoc;
  /** The 40 lines as written, newest first, in the shape a document's whole lines have. */
  let written: DocHistory[];

  beforeAll(async () => {
    const before = await firstSync(vt);
    target = before.find((d) => d.case?.status === "open" && d.balanceCents > 0 && d.units.length === 1 && d.case.openedOn <= addDays(TEST_TODAY, -25) && !d.promise)!;
    expect(target).toBeDefined();
    const [author] = await server.services.db.select({ id: users.id, initials: users.initials }).from(users).where(eq(users.email, "gestionnaire@demo.test"));
    const unit = target.units[0]!;
    written = [];
    const rows = Array.from({ length: 40 }, (_, k) => {
      const l = line(k);
      // One a day back from yesterday.
      const day = addDays(TEST_TODAY, -1 - k);
      const happenedAt = zonedInstant(day, l.hour, PARIS);
      // The standing promise (line 13) is for next week; the one it replaced (16) was for its own day, gone by.
      const promise = l.promise ? { promisedOn: k === 13 ? addDays(TEST_TODAY, 5) : day, amountCents: 5_000 } : undefined;
      const id = uuidv7();
      const unitId = l.kind === "padlock_placed" ? unit.id : null;
      written.push({ id, happenedAt, kind: l.kind, outcome: l.outcome, text: l.text, initials: author!.initials, unitId, rejectedReason: null, ...(promise ? { promise } : {}) });
      return { id, caseId: target.case!.id, customerId: target.customerId, siteId: unit.siteId, unitId, userId: author!.id, initials: author!.initials, kind: l.kind, outcome: l.outcome, text: l.text, happenedAt, data: promise ?? null };
    });
    // The demo's own lines for this debtor moved three months back: the 40 are its newest.
    await server.services.db.run(sql`update actions set happened_at = strftime('%Y-%m-%dT%H:%M:%fZ', happened_at, '-90 days') where customer_id = ${target.customerId}`);
    await server.services.db.insert(actions).values(rows);
    // The padlock is on and nothing asks to remove it: the round lists the box as confirmed, with who placed it.
    await server.services.db.update(units).set({ padlockState: "second_padlock" }).where(eq(units.id, unit.id));
    doc = (await firstSync(vt)).find((d) => d.customerId === target.customerId)!;
  });

  it("syncs the listed lines whole, newest first, and only the older lines the rules read, in brief", () => {
    expect(doc.history.map((h) => h.text)).toEqual(written.slice(0, HISTORY_LISTED).map((h) => h.text));
    expect(doc.history[0]).toMatchObject({ id: written[0]!.id, kind: "sms", initials: "VT" });
    const read = written.slice(HISTORY_LISTED, HISTORY_READ).filter((h) => ["call", "promise", "padlock_placed"].includes(h.kind));
    expect(doc.earlier!.map((h) => [h.kind, h.happenedAt])).toEqual(read.map((h) => [h.kind, h.happenedAt]));
    // In brief: no id, no words; a line's outcome or promise only where it has one.
    for (const h of doc.earlier!) expect(Object.keys(h).sort()).toEqual(expect.arrayContaining(["happenedAt", "initials", "kind"]));
    expect(doc.earlier!.some((h) => "text" in h || "id" in h)).toBe(false);
  });

  it("gives the rules the same answers as the HISTORY_READ whole lines did", () => {
    const whole: DebtorDoc = { ...doc, history: written.slice(0, HISTORY_READ), earlier: undefined };
    expect(bestHourToCall(doc, PARIS)).toEqual(bestHourToCall(whole, PARIS));
    expect(bestHourToCall(doc, PARIS)).toEqual({ from: 8, to: 10, answered: 3 });
    // Without the older lines, the listed ones alone say nothing.
    expect(bestHourToCall({ ...doc, earlier: undefined }, PARIS)).toBeNull();
    // The promise made at line 13 broke the one of line 16.
    expect(doc.promise).toMatchObject({ madeAt: written[13]!.happenedAt });
    expect(priorityOf(doc, TEST_TODAY)).toEqual(priorityOf(whole, TEST_TODAY));
    expect(priorityOf(doc, TEST_TODAY).parts.map((p) => p.reason)).toContain("une promesse non tenue");
    const row = (d: DebtorDoc) => walkthrough([d], TEST_TODAY).find((r) => r.unit.id === target.units[0]!.id);
    expect(row(doc)?.placed).toMatchObject({ happenedAt: written[18]!.happenedAt, initials: "VT" });
    expect(row(doc)?.placed?.happenedAt).toBe(row(whole)?.placed?.happenedAt);
  });

  it("keeps the whole history online", async () => {
    const res = await call<DebtorDetail>(server.url, "GET", `/api/debtors/${target.customerId}`, { cookie: vt });
    expect(res.status).toBe(200);
    const texts = res.body.history.map((h) => h.text);
    expect(texts).toEqual(expect.arrayContaining(written.map((h) => h.text)));
  });
});

describe("the documents of a first sync", () => {
  it("carry no field that says nothing: no null but a debtor's absent case", async () => {
    const nulls: string[] = [];
    const check = (where: string, o: object | null | undefined) => {
      for (const [k, v] of Object.entries(o ?? {})) if (v === null) nulls.push(`${where}.${k}`);
    };
    const docs = [...(await firstSync(vt)), ...(await firstSync(await signIn(server.url, "manager@demo.test")))];
    expect(docs.length).toBeGreaterThan(20);
    for (const d of docs) {
      const { case: kase, ...rest } = d;
      check("doc", rest);
      check("case", kase);
      for (const u of d.units) check("unit", u);
      for (const t of d.tasks) check("task", t);
      for (const h of d.history) check("history", h);
      for (const h of d.earlier ?? []) check("earlier", h);
    }
    expect([...new Set(nulls)]).toEqual([]);
    // The demo has customers without an e-mail, lines without an outcome: the fields are left out, not sent empty.
    expect(docs.some((d) => !("email" in d))).toBe(true);
    expect(docs.some((d) => d.history.some((h) => !("outcome" in h) && !("rejectedReason" in h)))).toBe(true);
  });
});
