import { describe, expect, it } from "vitest";
import { addDays, addMonths } from "../../../shared/dates";
import { LEVELS } from "../../../shared/enums";
import { runEngine, type EngineInput, type InvoiceFact, type PaymentFact } from "../../../shared/engine/engine";
import { DEFAULT_SCENARIOS } from "../../../shared/engine/scenarios";

// Properties of the engine over random payment histories (seeded: a failure prints its seed and case number,
// and ENGINE_SEED replays it).

const SEED = Number(process.env.ENGINE_SEED ?? 20_261_123);

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const METHODS: PaymentFact["method"][] = ["card", "sepa", "transfer", "cheque", "cash"];
const START = "2026-01-01";
const END = "2026-06-30";

/** A random customer's half year: monthly rents, payments on time, late, partial, rejected; promises, plans, letters. */
function randomHistory(random: () => number): EngineInput {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const day = (from: string, span: number) => addDays(from, Math.floor(random() * span));
  const method = pick(METHODS);
  const firstDue = day(START, 60);
  const months = 1 + Math.floor(random() * 5);
  const rent = 5_000 + Math.floor(random() * 10) * 1_000;
  const invoices: InvoiceFact[] = Array.from({ length: months }, (_, k) => {
    const dueDate = addMonths(firstDue, k);
    return { ref: `F${k}`, issueDate: addDays(dueDate, -15), dueDate, amountCents: rent };
  });
  const payments: PaymentFact[] = [];
  invoices.forEach((inv, k) => {
    const roll = random();
    if (roll < 0.15) payments.push({ ref: `R${k}`, date: day(inv.dueDate, 5), amountCents: rent, status: "rejected", method });
    if (roll < 0.35) return; // unpaid
    const late = roll < 0.55 ? 0 : Math.floor(random() * 70);
    const amount = roll < 0.7 ? Math.floor(rent * (0.3 + random() * 0.5)) : rent; // partial or whole
    payments.push({ ref: `P${k}`, date: addDays(inv.dueDate, late), amountCents: amount, status: "ok", method });
  });
  if (random() < 0.1) payments.push({ ref: "ADV", date: addDays(firstDue, -12), amountCents: rent, status: "ok", method }); // paid in advance
  if (random() < 0.2) payments.push({ ref: "ALL", date: day(firstDue, 150), amountCents: rent * months, status: "ok", method: "transfer" });
  const promises = random() < 0.3 ? [{ madeOn: day(firstDue, 40), promisedOn: "" }].map((p) => ({ ...p, promisedOn: addDays(p.madeOn, 1 + Math.floor(random() * 14)) })) : [];
  const plans =
    random() < 0.1
      ? [
          {
            agreedOn: day(firstDue, 30),
            instalments: [1, 2, 3].map((k) => ({ dueOn: addDays(firstDue, 30 + 30 * k), amountCents: Math.ceil(rent / 3) })),
          },
        ]
      : [];
  // Now and then a credit note or a write-off, and a case filed at the contract's end.
  if (random() < 0.1) {
    const kind = random() < 0.5 ? "credit_note" : "write_off";
    invoices.push({ ref: "AV", issueDate: day(firstDue, 90), dueDate: day(firstDue, 90), amountCents: -Math.floor(rent * (0.5 + random())), kind });
  }
  const closures = random() < 0.05 ? [day(addDays(firstDue, 45), 60)] : [];
  const letters = ["R2", "R3"].filter(() => random() < 0.7).map((step) => ({ step, sentOn: day(addDays(firstDue, 30), 40) }));
  return {
    customer: { ref: "C", kind: random() < 0.3 ? "company" : "person", paymentMethod: method, stop: random() < 0.05 },
    scenario: pick(DEFAULT_SCENARIOS),
    invoices,
    payments,
    promises,
    plans,
    letters,
    closures,
  };
}

describe("the engine over random payment histories", () => {
  it("never plans twice, never messages after payment, nothing on stop, levels only up (10,000 histories)", () => {
    const random = prng(SEED);
    for (let n = 0; n < 10_000; n++) {
      const history = randomHistory(random);
      const where = `seed ${SEED}, history ${n}`;
      const { actions, episodes } = runEngine(history, END);
      if (history.customer.stop) expect(actions, where).toEqual([]);

      const keys = actions.map((a) => `${a.episode}|${a.invoiceRef}|${a.step}|${a.occurrence}|${a.action}|${a.channel}|${a.fee ?? a.task ?? a.level ?? a.template}`);
      expect(new Set(keys).size, `${where}: ${keys.join(' / ')}`).toBe(keys.length);

      for (const a of actions) {
        const episode = episodes.find((e) => e.openedOn === a.episode);
        const afterPayment = history.scenario.steps.find((s) => s.code === a.step)!.when.from === "payment";
        if (episode?.paidOn && !afterPayment && a.action === "message") expect(a.date < episode.paidOn, `${where}: ${a.step} ${a.date}`).toBe(true);
      }
      for (const e of episodes) {
        const levels = actions.filter((a) => a.episode === e.openedOn && a.action === "level").map((a) => LEVELS.indexOf(a.level!));
        expect(levels, where).toEqual([...levels].sort((x, y) => x - y));
        expect(new Set(levels).size, where).toBe(levels.length);
      }
    }
  });

  it("plans the same running every day of six months as running once at the end", () => {
    const random = prng(SEED + 1);
    for (let n = 0; n < 150; n++) {
      const history = randomHistory(random);
      const recorded = new Map<string, string>();
      for (let t = START; t <= END; t = addDays(t, 1)) {
        for (const a of runEngine(history, t).actions) if (!recorded.has(a.key)) recorded.set(a.key, `${a.date} ${a.action} ${a.channel}`);
      }
      const once = new Map(runEngine(history, END).actions.map((a) => [a.key, `${a.date} ${a.action} ${a.channel}`]));
      expect(recorded, `seed ${SEED + 1}, history ${n}`).toEqual(once);
    }
  });

  it("replaying only from the last settled day plans the same for the case still open (2,000 histories)", () => {
    const random = prng(SEED + 2);
    const line = (a: { key: string; date: string; action: string; channel: string | null }) => `${a.key} ${a.date} ${a.action} ${a.channel}`;
    for (let n = 0; n < 2_000; n++) {
      const history = randomHistory(random);
      const full = runEngine(history, END);
      const short = runEngine(history, END, { settledBefore: addDays(END, -60) });
      const all = new Set(full.actions.map(line));
      for (const a of short.actions) expect(all.has(line(a)), `seed ${SEED + 2}, history ${n}: ${line(a)}`).toBe(true);
      const open = full.episodes.at(-1);
      if (open && !open.paidOn) {
        const ofOpen = (r: typeof full) => r.actions.filter((a) => a.episode === open.openedOn).map(line);
        expect(ofOpen(short), `seed ${SEED + 2}, history ${n}`).toEqual(ofOpen(full));
      }
    }
  });
});
