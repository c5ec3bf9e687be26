import { describe, expect, it } from "vitest";
import { toBillingLog } from "../../../shared/floor/action-log";
import { applyToDoc } from "../../../shared/floor/apply";
import { describeMutation } from "../../../shared/floor/describe";
import { dueItems, promiseStatus, walkingKey } from "../../../shared/floor/due";
import { bestHourToCall, priorityOf } from "../../../shared/engine/priority";
import { VOICEMAIL_SCRIPT } from "../../../shared/floor/templates";
import { DEFAULT_TEMPLATES, fill, floorTemplates } from "../../../shared/messaging/templates";
import { foldUnitEvents, type UnitEvent } from "../../../shared/floor/unit-state";
import { walkCounts, walkthrough } from "../../../shared/floor/walkthrough";
import type { DebtorDoc, DocUnit } from "../../../shared/schemas/debtor-doc";
import { Mutation, MUTATION_VERSION, type MutationKind, type MutationPayload } from "../../../shared/schemas/mutations";
import { CUSTOMER, debtorDoc } from "../../support/debtor-doc";

/** A photo's SHA-256: the server takes the mutation before the photo's bytes. */
const PHOTO = "c".repeat(64);

const UNIT = "0190f1c2-0000-7000-8000-0000000000a1";
const TASK = "0190f1c2-0000-7000-8000-0000000000b1";
const actor = { initials: "VT", timeZone: "Europe/Paris" };
let n = 0;

function m<K extends MutationKind>(kind: K, payload: MutationPayload<K>, happenedAt = "2026-11-22T09:00:00.000Z"): Mutation {
  n++;
  return Mutation.parse({ id: `0190f1c2-0000-7000-8000-${String(n).padStart(12, "0")}`, seq: n, v: MUTATION_VERSION, kind, payload, happenedAt });
}

function unit(over: Partial<DocUnit> = {}): DocUnit {
  return { id: UNIT, number: "B312", siteId: "0190f1c2-0000-7000-8000-0000000000c1", siteCode: "LYO", building: "B", aisle: "3", padlock: "none", gate: "active", contractEnded: null, ...over };
}

function doc(over: Partial<DebtorDoc> = {}): DebtorDoc {
  return debtorDoc({
    phone: "06 12 34 56 78",
    email: "jeanne@exemple.test",
    units: [unit()],
    tasks: [
      { id: TASK, kind: "padlock_place", dueOn: "2026-11-15", unitId: UNIT, status: "open" },
      { id: "0190f1c2-0000-7000-8000-0000000000b2", kind: "call", dueOn: "2026-11-22", unitId: null, status: "open" },
    ],
    ...over,
  });
}

describe("unit state from events", () => {
  const ev = (id: string, kind: UnitEvent["kind"], happenedAt: string, initials = "VT"): UnitEvent => ({ id, kind, happenedAt, recordedAt: "2026-11-22T12:00:00.000Z", initials });

  it("follows the events in the order they happened, whatever the order they arrived", () => {
    const events = [ev("b", "padlock_removed", "2026-11-20T10:00:00Z"), ev("a", "padlock_placed", "2026-11-15T10:00:00Z"), ev("c", "gate_suspended", "2026-11-15T10:05:00Z")];
    const state = foldUnitEvents(events);
    expect(state.padlock).toBe("none");
    expect(state.gate).toBe("suspended");
    expect([...state.verdicts.values()]).toEqual([null, null, null]);
  });

  it("keeps an impossible event and says why it did not take effect, naming who came first", () => {
    const state = foldUnitEvents([ev("a", "padlock_placed", "2026-11-15T09:00:00Z", "VT"), ev("b", "padlock_placed", "2026-11-15T09:05:00Z", "BO")]);
    expect(state.padlock).toBe("second_padlock");
    expect(state.verdicts.get("a")).toBeNull();
    expect(state.verdicts.get("b")).toBe("Double cadenas déjà posé (VT, 15/11 à 10:00)");
  });

  it("refuses removing a padlock never placed, and restoring a code never suspended", () => {
    const state = foldUnitEvents([ev("a", "padlock_removed", "2026-11-15T09:00:00Z"), ev("b", "gate_restored", "2026-11-15T09:00:00Z")]);
    expect(state.verdicts.get("a")).toBe("Aucun double cadenas à retirer");
    expect(state.verdicts.get("b")).toBe("Code d'accès déjà actif");
    expect(state).toMatchObject({ padlock: "none", gate: "active" });
  });
});

describe("history wording", () => {
  const lookup = { unitNumber: () => "B312", taskKind: () => "card_rerun" as const };

  it("says what was done, not only a status", () => {
    expect(describeMutation(m("call.logged", { customerId: CUSTOMER, outcome: "no_answer" }), lookup).text).toBe(
      "Appel : pas de réponse, message laissé (rappeler au sujet du box)",
    );
    expect(describeMutation(m("call.logged", { customerId: CUSTOMER, outcome: "answered", note: "CB expirée, paiera lundi" }), lookup).text).toBe(
      "Appel : client joint — CB expirée, paiera lundi",
    );
    expect(describeMutation(m("promise.made", { customerId: CUSTOMER, promisedOn: "2026-11-27", amountCents: 12_050 }), lookup).text).toBe(
      "Promesse de paiement : 120,50 € le 27/11/2026",
    );
    expect(describeMutation(m("padlock.placed", { unitId: UNIT, padlockNumber: "4411", photos: [PHOTO] }), lookup).text).toBe("Double cadenas posé sur le box B312 (cadenas n° 4411)");
    expect(describeMutation(m("gate.restored", { unitId: UNIT }), lookup).text).toBe("Code d'accès rétabli (box B312)");
    expect(describeMutation(m("task.done", { taskId: TASK }), lookup).text).toBe("Fait : Repasser la carte");
    expect(describeMutation(m("message.logged", { customerId: CUSTOMER, channel: "sms", templateCode: "rappel-sms", templateLabel: "Merci de nous rappeler", text: "…" }), lookup).text).toBe(
      "SMS envoyé depuis le téléphone (modèle « Merci de nous rappeler »)",
    );
  });
});

describe("the phone's prediction", () => {
  it("shows a padlock placed at once and completes the padlock task of that box", () => {
    const after = applyToDoc(doc(), m("padlock.placed", { unitId: UNIT, photos: [PHOTO] }), actor);
    expect(after.units[0]!.padlock).toBe("second_padlock");
    expect(after.tasks.find((t) => t.id === TASK)!.status).toBe("done");
    expect(after.history[0]).toMatchObject({ kind: "padlock_placed", pending: true, initials: "VT", rejectedReason: null });
  });

  it("marks, without changing the box, a padlock placed on a box already padlocked", () => {
    const before = doc({ units: [unit({ padlock: "second_padlock" })] });
    const after = applyToDoc(before, m("padlock.placed", { unitId: UNIT, photos: [PHOTO] }), actor);
    expect(after.units[0]!.padlock).toBe("second_padlock");
    expect(after.tasks.find((t) => t.id === TASK)!.status).toBe("open");
    expect(after.history[0]!.rejectedReason).toBe("Double cadenas déjà posé");
  });

  it("completes the call tasks due by the day of the call (site time), not later ones", () => {
    const later = { id: "0190f1c2-0000-7000-8000-0000000000b3", kind: "call" as const, dueOn: "2026-11-25", unitId: null, status: "open" as const };
    // 23:30 UTC on the 22nd is already the 23rd in Paris.
    const after = applyToDoc(doc({ tasks: [...doc().tasks, later] }), m("call.logged", { customerId: CUSTOMER, outcome: "answered" }, "2026-11-22T23:30:00.000Z"), actor);
    expect(after.tasks.filter((t) => t.kind === "call").map((t) => [t.dueOn, t.status])).toEqual([
      ["2026-11-22", "done"],
      ["2026-11-25", "open"],
    ]);
  });

  it("changes nothing more when the same mutation is laid twice", () => {
    const mutation = m("promise.made", { customerId: CUSTOMER, promisedOn: "2026-11-27", amountCents: 5_000 });
    const once = applyToDoc(doc(), mutation, actor);
    expect(applyToDoc(once, mutation, actor)).toEqual(once);
  });

  it("keeps the history newest first", () => {
    let d = doc();
    d = applyToDoc(d, m("note.added", { customerId: CUSTOMER, text: "b" }, "2026-11-22T10:00:00.000Z"), actor);
    d = applyToDoc(d, m("note.added", { customerId: CUSTOMER, text: "a" }, "2026-11-22T09:00:00.000Z"), actor);
    expect(d.history.map((h) => h.text)).toEqual(["b", "a"]);
  });
});

describe("what is due today", () => {
  it("lists open tasks fallen due, and a promise from its day for a week", () => {
    const d = doc({ promise: { promisedOn: "2026-11-20", amountCents: 5_000, madeAt: "2026-11-10T10:00:00Z" } });
    expect(dueItems(d, "2026-11-22").map((i) => (i.type === "task" ? i.task.kind : "promise"))).toEqual(["padlock_place", "call", "promise"]);
    expect(promiseStatus(d, "2026-11-19")).toBe("pending");
    expect(promiseStatus(d, "2026-11-27")).toBe("due");
    expect(promiseStatus(d, "2026-11-28")).toBe("broken");
    expect(promiseStatus({ ...d, balanceCents: 0 }, "2026-11-22")).toBe("kept");
    expect(dueItems(d, "2026-11-14").map((i) => i.type)).toEqual([]);
  });

  it("puts what is due today first, then the longest late, then the largest balance", () => {
    const today = "2026-11-22";
    const withTask = doc();
    const lateNoTask = doc({ tasks: [], case: { ...doc().case!, anchorOn: "2026-09-01" } });
    const recentNoTask = doc({ tasks: [], case: { ...doc().case!, anchorOn: "2026-11-10" }, balanceCents: 99_000 });
    const sorted = [recentNoTask, lateNoTask, withTask].sort((a, b) => priorityOf(b, today).total - priorityOf(a, today).total);
    expect(sorted).toEqual([withTask, lateNoTask, recentNoTask]);
  });

  it("says why a debtor comes first, part by part", () => {
    const p = priorityOf(doc(), "2026-11-22");
    expect(p.parts).toEqual([
      { points: 16, reason: "159 € dus" },
      { points: 11, reason: "J+21" },
      { points: 30, reason: "2 actions prévues aujourd'hui" },
    ]);
    expect(p.total).toBe(57);
    // Caps: a large balance or a very old debt count for 40 at most.
    expect(priorityOf(doc({ tasks: [], balanceCents: 5_000_000, case: { ...doc().case!, anchorOn: "2025-01-01" } }), "2026-11-22").total).toBe(80);
  });

  it("counts broken promises: the latest once its week of grace is over, and an earlier one whose day had gone by when it was replaced", () => {
    const promise = (at: string, promisedOn: string) => ({ id: `0190f1c2-0000-7000-8000-${at.replaceAll("-", "").padStart(12, "0")}`, happenedAt: `${at}T10:00:00.000Z`, kind: "promise" as const, outcome: null, text: "promesse", initials: "VT", unitId: null, rejectedReason: null, promise: { promisedOn, amountCents: 15_900 } });
    const d = doc({ tasks: [], promise: { promisedOn: "2026-11-10", amountCents: 15_900, madeAt: "2026-11-05T10:00:00.000Z" }, history: [promise("2026-11-05", "2026-11-10"), promise("2026-11-02", "2026-11-04")] });
    expect(priorityOf(d, "2026-11-22").parts.at(-1)).toEqual({ points: 30, reason: "2 promesses non tenues" });
    expect(priorityOf(d, "2026-11-15").parts.map((x) => x.reason)).toContain("une promesse non tenue"); // the earlier one; the latest is still in its week
    // Paid: nothing owed and no promise counted broken.
    expect(priorityOf({ ...d, balanceCents: 0 }, "2026-11-22").parts.map((x) => x.reason)).toEqual(["J+21"]);
  });

  it("learns the best hour to call from the calls answered, and says nothing from too few", () => {
    const call = (at: string, outcome: "answered" | "no_answer" | "promise") => ({ id: `0190f1c2-0000-7000-8000-${at.replace(/\D/g, "").slice(0, 12)}`, happenedAt: at, kind: "call" as const, outcome, text: "appel", initials: "VT", unitId: null, rejectedReason: null });
    const paris = "Europe/Paris";
    // 16:30 and 17:10 in Paris (UTC+1 in November) answered; mornings not.
    const answeredLate = [call("2026-11-03T15:30:00.000Z", "answered"), call("2026-11-10T16:10:00.000Z", "promise"), call("2026-11-12T08:05:00.000Z", "no_answer"), call("2026-11-13T08:40:00.000Z", "no_answer")];
    expect(bestHourToCall(doc({ history: answeredLate }), paris)).toEqual({ from: 16, to: 18, answered: 2 });
    expect(bestHourToCall(doc({ history: answeredLate.slice(0, 1) }), paris)).toBeNull();
    expect(bestHourToCall(doc({ history: [] }), paris)).toBeNull();
  });

  it("walks the aisles in order, aisle 10 after aisle 9", () => {
    const at = (aisle: string, number: string) => walkingKey(doc({ units: [unit({ aisle, number })] }));
    const keys = [at("10", "A1001"), at("9", "A901"), at("9", "A910"), at("2", "A201")];
    expect([...keys].sort()).toEqual([at("2", "A201"), at("9", "A901"), at("9", "A910"), at("10", "A1001")]);
  });
});

describe("billing software export", () => {
  it("writes *INITIALS*DD/MM/YYYY*Text entries, oldest first, dates in site time", () => {
    const log = toBillingLog(
      [
        { initials: "BO", happenedAt: "2026-05-12T10:00:00Z", text: "Re bla bla" },
        { initials: "VT", happenedAt: "2026-05-04T22:30:00Z", text: "Blablabla" },
      ],
      "Europe/Paris",
    );
    expect(log).toBe("*VT*05/05/2026*Blablabla *BO*12/05/2026*Re bla bla");
  });

  it("keeps the column whole: no star or line break from a text", () => {
    expect(toBillingLog([{ initials: "VT", happenedAt: "2026-05-05T10:00:00Z", text: "a*b\nc" }], "Europe/Paris")).toBe("*VT*05/05/2026*a·b c");
  });
});

describe("floor templates", () => {
  const callBack = DEFAULT_TEMPLATES.find((t) => t.code === "rappel-sms")!;

  it("never names the debt on a voicemail or in the call-back SMS", () => {
    for (const text of [VOICEMAIL_SCRIPT, callBack.sms!.body]) expect(text).not.toMatch(/impay|dette|retard|paiement|solde|règlement/i);
  });

  it("are the office's templates marked for the floor, each with an SMS or an e-mail", () => {
    // In the order of their names: "Merci de nous rappeler", "Premier rappel".
    expect(floorTemplates(DEFAULT_TEMPLATES).map((t) => t.code)).toEqual(["rappel-sms", "rappel-email"]);
    expect(floorTemplates([{ code: "x", label: "Lettre", floor: true, letter: { subject: "s", body: "b" } }])).toEqual([]);
  });

  it("fills every placeholder the templates use, and leaves an unknown one visible", () => {
    const values = { nom: "Jeanne Martin", box: "B312", site: "Lyon Gerland", telephone_site: "04 78 00 12 34", solde: "159,00 €", signature: "Valérie" };
    for (const template of floorTemplates(DEFAULT_TEMPLATES)) {
      for (const text of [template.sms?.body, template.email?.subject, template.email?.body]) expect(fill(text ?? "", values)).not.toMatch(/\{\{/);
    }
    expect(fill(VOICEMAIL_SCRIPT, values)).not.toMatch(/\{\{/);
    expect(fill("Bonjour {{inconnu}}", values)).toBe("Bonjour {{inconnu}}");
  });
});

describe("mutation schema", () => {
  it("names the field at fault", () => {
    const result = Mutation.safeParse({ id: "0190f1c2-0000-7000-8000-000000000999", seq: 1, v: 1, kind: "promise.made", happenedAt: "2026-11-22T09:00:00Z", payload: { customerId: CUSTOMER, promisedOn: "27/11/2026", amountCents: 0 } });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join(".")).sort()).toEqual(["payload.amountCents", "payload.promisedOn"]);
  });

  it("refuses an unknown version", () => {
    expect(Mutation.safeParse({ ...m("note.added", { customerId: CUSTOMER, text: "x" }), v: 2 }).success).toBe(false);
  });
});

describe("photos and the box opening on the phone", () => {
  const OPENING = [
    { sha256: "d".repeat(64), role: "door" as const },
    { sha256: "e".repeat(64), role: "lock_cut" as const },
    { sha256: "f".repeat(64), role: "contents" as const },
    { sha256: "a".repeat(64), role: "contents" as const },
  ];

  it("refuses a padlock placed without a photo, naming the field", () => {
    const result = Mutation.safeParse({ id: "0190f1c2-0000-7000-8000-000000000998", seq: 1, v: 1, kind: "padlock.placed", happenedAt: "2026-11-22T09:00:00Z", payload: { unitId: UNIT, photos: [] } });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path.join(".")).toBe("payload.photos");
  });

  it("shows a padlock's photos on its history line at once", () => {
    const after = applyToDoc(doc(), m("padlock.placed", { unitId: UNIT, photos: [PHOTO, "b".repeat(64)] }), actor);
    expect(after.history[0]!.photos).toEqual([PHOTO, "b".repeat(64)]);
    expect(applyToDoc(doc(), m("padlock.removed", { unitId: UNIT }), actor).history[0]!.photos).toBeNull();
  });

  it("shows an opening with every photo and signature still to send, closes the open-box task, then the clearing", () => {
    const before = doc({ tasks: [{ id: TASK, kind: "open_box", dueOn: "2026-11-01", unitId: UNIT, status: "open" }] });
    const signatures = { witness: "1".repeat(64), inventory: "2".repeat(64) };
    const witness = { kind: "bailiff" as const, name: "Me Roux", office: "Étude Roux & Associés", reportRef: "PV 2026-118" };
    const opened = applyToDoc(before, m("box.opened", { unitId: UNIT, confirmedNumber: "b312", witness, signatures, photos: OPENING, inventory: "Cartons", newPadlockNumber: "N-1" }, "2026-11-22T10:00:00.000Z"), actor);
    const all = [...OPENING.map((p) => p.sha256), signatures.witness, signatures.inventory];
    expect(opened.units[0]!.opening).toEqual({ openedAt: "2026-11-22T10:00:00.000Z", initials: "VT", photos: OPENING, missing: all, clearedAt: null, signatures });
    expect(opened.tasks[0]!.status).toBe("done");
    expect(opened.history[0]!.photos).toEqual(all);
    expect(opened.history[0]!.text).toContain("en présence de Me Roux, commissaire de justice (Étude Roux & Associés), procès-verbal PV 2026-118");
    const cleared = applyToDoc(opened, m("box.cleared", { unitId: UNIT, method: "sale" }, "2026-11-23T08:00:00.000Z"), actor);
    expect(cleared.units[0]!.opening!.clearedAt).toBe("2026-11-23T08:00:00.000Z");
    expect(cleared.history[0]!.text).toBe("Contenu du box B312 enlevé (vente)");
    // Clearing a box never opened changes nothing on the box (the server refuses it with its reason).
    expect(applyToDoc(before, m("box.cleared", { unitId: UNIT, method: "dump" }), actor).units[0]!.opening).toBeUndefined();
  });
});

describe("the padlock walk-through", () => {
  const other = (n: number, over: Partial<DocUnit>) => unit({ id: `0190f1c2-0000-7000-8000-0000000001${String(n).padStart(2, "0")}`, number: `A${n}`, building: "A", aisle: "1", ...over });
  const placedLine = { id: "0190f1c2-0000-7000-8000-000000000301", happenedAt: "2026-11-20T09:00:00.000Z", kind: "padlock_placed" as const, outcome: null, text: "Double cadenas posé", initials: "VT", unitId: other(2, {}).id, rejectedReason: null, photos: [PHOTO] };

  it("sorts boxes into to place / to remove / confirmed, flags those out of step for more than 24 h, in walking order", () => {
    const docs = [
      // Padlock due since the 15th, not recorded: a mismatch.
      doc(),
      // Recorded on, nothing says it comes off: confirmed, with who placed it and the photo.
      doc({ customerId: "0190f1c2-0000-7000-8000-000000000002", units: [other(2, { padlock: "second_padlock" })], tasks: [], history: [placedLine] }),
      // Paid today: to remove, not yet out of step.
      doc({ customerId: "0190f1c2-0000-7000-8000-000000000003", units: [other(10, { padlock: "second_padlock" })], tasks: [{ id: "0190f1c2-0000-7000-8000-0000000000b9", kind: "padlock_remove", dueOn: "2026-11-22", unitId: other(10, {}).id, status: "open" }] }),
      // Nothing asked, nothing recorded; and an opened box: neither is part of the walk.
      doc({ customerId: "0190f1c2-0000-7000-8000-000000000004", units: [other(3, {})], tasks: [] }),
      doc({ customerId: "0190f1c2-0000-7000-8000-000000000005", units: [other(4, { padlock: "second_padlock", opening: { openedAt: "2026-11-20T09:00:00.000Z", initials: "MG", photos: [], missing: [], clearedAt: null } })], tasks: [] }),
    ];
    const rows = walkthrough(docs, "2026-11-22");
    expect(rows.map((r) => [r.unit.number, r.category, r.mismatch])).toEqual([
      ["A2", "confirmed", false],
      ["A10", "to_remove", false],
      ["B312", "to_place", true],
    ]);
    expect(rows[0]!.placed).toMatchObject({ initials: "VT", photos: [PHOTO] });
    expect(walkCounts(rows)).toEqual({ to_place: 1, to_remove: 1, confirmed: 1, mismatch: 1 });
    // The next day the box still padlocked after payment is out of step too.
    expect(walkthrough(docs, "2026-11-23").filter((r) => r.mismatch).map((r) => r.unit.number)).toEqual(["A10", "B312"]);
  });
});
