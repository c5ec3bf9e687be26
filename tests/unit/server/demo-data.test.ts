import { describe, expect, it } from "vitest";
import { addMonths, daysBetween } from "../../../shared/dates";
import { CUSTOMER_KINDS, SEGMENTS } from "../../../shared/enums";
import { DEMO_STAGES, generateDemoData, type DemoData } from "../../../server/demo/generate";

const today = "2026-11-22";
const data = generateDemoData({ today });
/** Customers whose story stops the day before a step falls due, for the server's first engine run. */
const left = new Map(data.leftToEngine.map((l) => [l.customerId, l]));

function balanceOf(d: DemoData, customerId: string): number {
  const invoiced = d.invoices.filter((i) => i.customerId === customerId && i.dueDate <= today).reduce((s, i) => s + i.amountCents, 0);
  const paid = d.payments.filter((p) => p.customerId === customerId && p.status === "ok").reduce((s, p) => s + p.amountCents, 0);
  return invoiced - paid;
}

function oldestUnpaidDue(d: DemoData, customerId: string): string | undefined {
  const paidByInvoice = new Map<string, number>();
  for (const p of d.payments) if (p.status === "ok" && p.invoiceId) paidByInvoice.set(p.invoiceId, (paidByInvoice.get(p.invoiceId) ?? 0) + p.amountCents);
  return d.invoices
    .filter((i) => i.customerId === customerId && i.kind === "rent" && (paidByInvoice.get(i.id) ?? 0) < i.amountCents)
    .map((i) => i.dueDate)
    .sort()[0];
}

describe("demo data", () => {
  it("is the same for the same seed and day", () => {
    expect(generateDemoData({ today })).toEqual(data);
    expect(generateDemoData({ today, seed: 7 }).customers[0]).not.toEqual(data.customers[0]);
  });

  it("has two sites of 200 units, each with its building and aisle", () => {
    expect(data.sites.map((s) => s.code)).toEqual(["LYO", "VIL"]);
    expect(data.units).toHaveLength(400);
    for (const unit of data.units) {
      expect(unit.building).toMatch(/^[AB]$/);
      expect(unit.aisle).toMatch(/^[1-5]$/);
      expect(unit.number.startsWith(`${unit.building}${unit.aisle}`)).toBe(true);
    }
    expect(new Set(data.units.map((u) => `${u.siteId}/${u.number}`)).size).toBe(400);
  });

  it("has about 200 customers of every kind and segment, each renting at least one unit", () => {
    expect(data.customers).toHaveLength(200 + data.leftToEngine.length);
    expect(new Set(data.customers.map((c) => c.kind))).toEqual(new Set(CUSTOMER_KINDS));
    expect(new Set(data.customers.map((c) => c.segment))).toEqual(new Set(SEGMENTS));
    const renters = new Set(data.contracts.map((c) => c.customerId));
    expect(data.customers.every((c) => renters.has(c.id))).toBe(true);
    expect(new Set(data.contracts.map((c) => c.unitId)).size).toBe(data.contracts.length);
  });

  it("bills the last four months and no further", () => {
    const dues = data.invoices.filter((i) => i.kind === "rent").map((i) => i.dueDate).sort();
    expect(dues[0]! >= addMonths(today, -4)).toBe(true);
    expect(dues.at(-1)! <= today).toBe(true);
  });

  it("has open cases at every stage of the procedure on both sites", () => {
    const siteOfCustomer = new Map(data.contracts.map((c) => [c.customerId, data.units.find((u) => u.id === c.unitId)!.siteId]));
    for (const site of data.sites) {
      const stages = data.cases.filter((k) => siteOfCustomer.get(k.customerId) === site.id).map((k) => (k.status === "open" ? k.stage : "paid"));
      for (const stage of Object.keys(DEMO_STAGES)) expect(stages, `${site.code} ${stage}`).toContain(stage);
    }
  });

  it("anchors each open case at the oldest unpaid invoice, with the days late its stage spans", () => {
    for (const k of data.cases.filter((c) => c.status === "open")) {
      expect(k.anchorOn).toBe(oldestUnpaidDue(data, k.customerId));
      expect(balanceOf(data, k.customerId)).toBeGreaterThan(0);
      if (left.has(k.customerId)) continue; // anchored by the step left to the engine (below)
      const [min, max] = DEMO_STAGES[k.stage as keyof typeof DEMO_STAGES].daysLate;
      const late = daysBetween(k.anchorOn, today);
      expect(late).toBeGreaterThanOrEqual(min);
      // Billing days stop at the 28th; one exit story a site goes further back, its box ready to be opened.
      expect(late).toBeLessThanOrEqual(k.stage === "exit" ? max + 120 : max + 3);
      expect(balanceOf(data, k.customerId)).toBeGreaterThan(0);
    }
  });

  it("has on each site one box whose termination notice's collection period has run out, so the opening can be tried", () => {
    for (const site of data.sites) {
      const exits = data.cases.filter((k) => k.status === "open" && k.stage === "exit" && data.contracts.some((c) => c.customerId === k.customerId && data.units.find((u) => u.id === c.unitId)?.siteId === site.id));
      const [, max] = DEMO_STAGES.exit.daysLate;
      expect(exits.some((k) => daysBetween(k.anchorOn, today) > max), site.code).toBe(true);
    }
  });

  it("leaves customers without a case, and paid cases, owing nothing", () => {
    const withOpenCase = new Set(data.cases.filter((k) => k.status === "open").map((k) => k.customerId));
    for (const c of data.customers.filter((c) => !withOpenCase.has(c.id))) expect(balanceOf(data, c.id), c.ref).toBeLessThanOrEqual(0);
  });

  it("has padlocks on the units of cases past the lockout, and levels that match the stage", () => {
    const expectedLevel = { "first-contact": "none", reminder: "none", R1: "R1", lockout: "R1", "R2-notice": "R1", R2: "R2", R3: "R3", exit: "R3" } as const;
    for (const k of data.cases.filter((c) => c.status === "open" && c.stage)) {
      expect(k.level).toBe(expectedLevel[k.stage as keyof typeof expectedLevel]);
      const units = data.contracts.filter((c) => c.customerId === k.customerId).map((c) => data.units.find((u) => u.id === c.unitId)!);
      const shouldBeLocked = !["first-contact", "reminder", "R1"].includes(k.stage!);
      for (const u of units) expect(u.padlockState === "second_padlock", `${k.stage} ${u.number}`).toBe(shouldBeLocked);
    }
  });

  it("gives every case a history that starts with the first contact or its open task", () => {
    for (const k of data.cases) {
      const history = data.actions.filter((a) => a.caseId === k.id);
      const tasks = data.tasks.filter((t) => t.caseId === k.id);
      // A story left to the engine before its first step has nothing to tell yet.
      if (!k.stage && left.has(k.customerId)) continue;
      expect(history.length + tasks.length, k.stage ?? "").toBeGreaterThan(0);
      for (const a of history) expect(a.happenedAt <= `${today}T23:59:59Z`).toBe(true);
    }
  });

  it("stops a few stories on each site the day before a step falls due, telling nothing of it nor after it", () => {
    const siteOfCustomer = new Map(data.contracts.map((c) => [c.customerId, data.units.find((u) => u.id === c.unitId)!.siteId]));
    for (const site of data.sites) {
      const steps = data.leftToEngine.filter((l) => siteOfCustomer.get(l.customerId) === site.id).map((l) => l.step);
      expect(new Set(steps), site.code).toEqual(new Set(["first-contact", "R1", "R2-notice", "R2", "R3"]));
    }
    for (const l of data.leftToEngine) {
      expect(l.recordedUntil < today).toBe(true);
      expect(data.customers.find((c) => c.id === l.customerId)!.stop).toBe(false);
      const k = data.cases.find((c) => c.customerId === l.customerId)!;
      expect(k.status).toBe("open");
      const told = data.actions.filter((a) => a.customerId === l.customerId);
      for (const a of told) expect(a.happenedAt.slice(0, 10) <= l.recordedUntil, `${l.step}: ${a.text}`).toBe(true);
      expect(told.filter((a) => a.data && (a.data as { step?: string; template?: string }).step === l.step)).toEqual([]);
    }
    // The SEPA reject's fee is the engine's to bill with the first contact, not the story's.
    const sepa = data.leftToEngine.filter((l) => l.step === "first-contact").map((l) => l.customerId);
    expect(data.invoices.filter((i) => sepa.includes(i.customerId) && i.kind === "fee")).toEqual([]);
    expect(data.payments.filter((p) => sepa.includes(p.customerId) && p.status === "rejected").length).toBe(sepa.length);
  });

  it("has the history's messages: registered letters posted with their tracking number, receipts back, an e-mail refused", () => {
    const registered = data.messages.filter((m) => m.channel === "registered_letter");
    expect(registered.length).toBeGreaterThan(4);
    for (const m of registered) {
      const told = data.actions.find((a) => a.customerId === m.customerId && a.kind === "registered_letter" && (a.data as { step: string }).step === m.step)!;
      expect((told.data as { trackingNumber: string }).trackingNumber).toBe(m.trackingNumber);
      expect(told.happenedAt).toBe(m.at);
      if (m.acknowledgedOn) expect(m.acknowledgedOn <= today && m.acknowledgedOn > m.at.slice(0, 10)).toBe(true);
    }
    expect(registered.some((m) => m.acknowledgedOn)).toBe(true);
    const refused = data.messages.filter((m) => m.error);
    expect(refused.length).toBe(2);
    for (const m of refused) {
      expect(m.error).toMatch(/^Adresse refusée : 550/);
      expect(data.tasks.some((t) => t.customerId === m.customerId && t.kind === "fix_contact" && t.status === "open")).toBe(true);
    }
  });

  it("has the demo accounts of the contract, the site manager on one site only", () => {
    const byEmail = new Map(data.users.map((u) => [u.email, u]));
    expect(byEmail.get("gestionnaire@demo.test")).toMatchObject({ role: "site_manager", initials: "VT" });
    expect(byEmail.get("manager@demo.test")).toMatchObject({ role: "manager" });
    expect(byEmail.get("bureau@demo.test")).toMatchObject({ role: "office" });
    const vt = byEmail.get("gestionnaire@demo.test")!;
    expect(data.userSites.filter((s) => s.userId === vt.id)).toHaveLength(1);
  });
});
