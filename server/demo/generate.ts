import { Faker, base, en, fr } from "@faker-js/faker";
import { addDays, addMonths, daysBetween, formatDateFr, lastDayOfMonth, zonedInstant } from "../../shared/dates";
import { DEFAULT_SCENARIOS, EXIT_WHEN, type Scenario } from "../../shared/engine/scenarios";
import { stepDate } from "../../shared/engine/schedule";
import type { CallOutcome, CustomerKind, Level, MessageChannel, PaymentMethod, Role, Segment } from "../../shared/enums";
import { formatEurosPlain } from "../../shared/money";
import { DEFAULT_SETTINGS } from "../../shared/schemas/settings";
import type { users, userSites } from "../auth/auth.sql";
import type { invoices, paymentIncidents, payments } from "../billing/billing.sql";
import type { actions, cases, tasks } from "../cases/cases.sql";
import type { contracts, customers } from "../customers/customers.sql";
import type { sites, units } from "../sites/sites.sql";
import { everyDay } from "../../shared/sites/hours";

/**
 * Demo data for a self-storage operator with two sites, as it would look on `today`: four months of rent,
 * most of it paid, and open cases at every stage of the default procedure (seed 000), each with the history
 * a site would have written. Deterministic: the same seed and day give the same rows.
 */
export interface DemoOptions {
  today: string;
  /** When the demo data counts as imported (the server's clock); the machine's when not given. */
  now?: Date;
  seed?: number;
  timeZone?: string;
}

export interface DemoUser extends Omit<typeof users.$inferInsert, "passwordHash"> {
  password: string;
}

export interface DemoData {
  sites: (typeof sites.$inferInsert)[];
  units: (typeof units.$inferInsert)[];
  users: DemoUser[];
  userSites: (typeof userSites.$inferInsert)[];
  customers: (typeof customers.$inferInsert)[];
  contracts: (typeof contracts.$inferInsert)[];
  invoices: (typeof invoices.$inferInsert)[];
  payments: (typeof payments.$inferInsert)[];
  paymentIncidents: (typeof paymentIncidents.$inferInsert)[];
  cases: (typeof cases.$inferInsert)[];
  actions: (typeof actions.$inferInsert)[];
  tasks: (typeof tasks.$inferInsert)[];
  /** The history's messages (letters posted, an e-mail refused), written by the seed as the outbox records them. */
  messages: DemoMessage[];
  /**
   * Customers whose story stops the day before a step of their scenario falls due: the procedure counts as done up
   * to `recordedUntil` only, so the server's first engine run plans that step, as any day's run would.
   */
  leftToEngine: { customerId: string; step: string; recordedUntil: string }[];
}

/** A message of the history; the seed fills in its text from the template, as the engine queued it that day. */
export interface DemoMessage {
  customerId: string;
  caseId: string;
  siteId: string;
  step: string;
  template: string;
  channel: MessageChannel;
  /** When it left: posted by the office, handed to the provider — or refused for good. */
  at: string;
  trackingNumber?: string;
  /** The day the registered letter's acknowledgement of receipt came back. */
  acknowledgedOn?: string;
  /** The termination notice: the day the contract ended. */
  contractEndsOn?: string;
  /** Refused for good: what the provider answered. */
  error?: string;
}

/** The stages a demo case can be at on `today`, with how many days late (from J0) each spans. */
export const DEMO_STAGES = {
  "first-contact": { daysLate: [2, 8], perSite: 3 },
  reminder: { daysLate: [9, 13], perSite: 3 },
  R1: { daysLate: [14, 15], perSite: 2 },
  lockout: { daysLate: [16, 23], perSite: 3 },
  "R2-notice": { daysLate: [24, 29], perSite: 2 },
  R2: { daysLate: [32, 44], perSite: 3 },
  R3: { daysLate: [47, 58], perSite: 2 },
  // The exit falls at the end of the month in which R3's 8 days from its AR passed: 60 to 88 days late, by the
  // billing day; a story at the exit is one whose exit day has come (`exitAfterR3`; 88 days always is).
  exit: { daysLate: [60, 88], perSite: 2 },
  paid: { daysLate: [18, 40], perSite: 3 },
} as const;
export type DemoStage = keyof typeof DEMO_STAGES;

/** A story that stops the day before `step` of its scenario falls due, at `stage` (none: nothing happened yet). */
interface LeftStory {
  segment: Segment;
  step: string;
  stage?: DemoStage;
  kind?: CustomerKind;
  paymentMethod?: PaymentMethod;
  /** Its R1 e-mail was refused by the customer's mail server. */
  bounced?: boolean;
}

/**
 * On each site, a few customers whose story stops the day before a step falls due — today, or the latest day it
 * can by today (steps move off Sundays and holidays, billing days stop at the 28th) — so that the server's first
 * engine run finds work in every office queue, as any day's run would.
 */
const LEFT_TO_ENGINE: readonly LeftStory[] = [
  { segment: "box", step: "first-contact", paymentMethod: "sepa" }, // a debit returned: a call, and a fee to enter
  { segment: "box", step: "R1", stage: "reminder" }, // the R1 e-mail; padlock and gate code for the floor
  { segment: "box", step: "R2-notice", stage: "lockout", bounced: true }, // to approve
  { segment: "box", step: "R2", stage: "R2-notice" }, // the registered letter, to approve
  { segment: "box", step: "R3", stage: "R2", kind: "company" }, // the formal notice and a company's fees, to approve
  { segment: "standard-sans-email", step: "R1", paymentMethod: "transfer" }, // the R1 by post: a letter to print
];

/** How a rejected payment shows up, and how many days after the due date (the bank's, not the procedure's). */
const INCIDENTS = {
  card: { kind: "card_rejected", after: 0, reason: "Carte expirée" },
  sepa: { kind: "sepa_rejected", after: 4, reason: "Provision insuffisante (AM04)" },
  cheque: { kind: "cheque_bounced", after: 8, reason: "Chèque impayé, sans provision" },
  transfer: { kind: "transfer_missing", after: 5, reason: "Virement non reçu" },
  cash: undefined,
} as const;

const SCENARIO = new Map(DEFAULT_SCENARIOS.map((s) => [s.code, s]));

/**
 * The due date that makes `code` of the scenario fall on the latest day it can by `today`, and that day. A first
 * contact falls on the payment's reject when later, as the engine has it.
 */
function dueDateFor(scenario: Scenario, code: string, method: PaymentMethod, today: string): { anchor: string; on: string } {
  const step = scenario.steps.find((s) => s.code === code)!;
  const incident = INCIDENTS[method];
  let best: { anchor: string; on: string } | undefined;
  for (let back = 0; back <= 100; back++) {
    const anchor = addDays(today, -back);
    if (Number(anchor.slice(8)) > 28) continue;
    let on = stepDate(step.when, anchor);
    if (step.perIncident && incident && addDays(anchor, incident.after) > on) on = addDays(anchor, incident.after);
    if (on <= today && (!best || on > best.on)) best = { anchor, on };
  }
  return best!;
}

/**
 * When a box story's formal notice goes (R3, unshifted as the stories write it), when its AR comes back (3 days
 * later) and when the contract ends: as the engine counts the exit from that receipt.
 */
/** A registered letter's receipt card comes back this many days after it was posted, in the demo's stories. */
const AR_AFTER_DAYS = 3;

function exitAfterR3(anchor: string): { r3On: string; ackOn: string; exitOn: string } {
  const r3On = addDays(addMonths(anchor, 1), 14);
  const ackOn = addDays(r3On, AR_AFTER_DAYS);
  return { r3On, ackOn, exitOn: stepDate(EXIT_WHEN, ackOn) };
}

const CUSTOMERS_PER_SITE = 100;
/** What Cadenas did by itself is written under these initials. */
const SYSTEM: Author = { id: null, initials: "SYS" };
const SIZES_M2 = [1, 1.5, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20];

/**
 * The demo sites' letterhead and sending settings: one operating company, two establishments (SIRETs with valid
 * check keys), a signatory for the letters, an SMS sender each, the gate open 06:00–22:00 every day.
 */
const DEMO_COMPANY = {
  legalName: "Cadenas Self-Stockage",
  legalForm: "SAS",
  shareCapital: "50 000 €",
  iban: "FR76 3000 4000 0312 3456 7890 143",
  rcs: "Lyon B 812 345 676",
  registeredOffice: "12 rue de Gerland, 69007 Lyon",
  signatoryName: "Claire Morel",
  signatoryTitle: "Responsable recouvrement",
  openingHours: everyDay("06:00", "22:00"),
};
const DEMO_SITE_SETTINGS: Record<string, Partial<typeof sites.$inferInsert>> = {
  LYO: { ...DEMO_COMPANY, siret: "81234567600017", smsSender: "LyonGerland" },
  VIL: { ...DEMO_COMPANY, siret: "81234567600025", smsSender: "CadenasVIL" },
};

export function generateDemoData(options: DemoOptions): DemoData {
  return new DemoBuilder(options).build();
}

interface Author {
  id: string | null;
  initials: string;
}

interface SiteStaff {
  siteId: string;
  floor: Author;
}

class DemoBuilder {
  private readonly f: Faker;
  private readonly today: string;
  private readonly tz: string;
  /** Nothing in the demo's history happens after this (a story told "today" stops a minute before now). */
  private readonly latest: number;
  private readonly data: DemoData = {
    sites: [],
    units: [],
    users: [],
    userSites: [],
    customers: [],
    contracts: [],
    invoices: [],
    payments: [],
    paymentIncidents: [],
    cases: [],
    actions: [],
    tasks: [],
    messages: [],
    leftToEngine: [],
  };
  private counters = { customer: 1000, contract: 5000, invoice: 0, payment: 0, padlock: 3100, tracking: 0 };
  private manager = { id: "", initials: "MG" };
  private office = { id: "", initials: "SB" };

  constructor(options: DemoOptions) {
    this.f = new Faker({ locale: [fr, en, base] });
    this.f.seed(options.seed ?? 20_260_301);
    this.today = options.today;
    this.tz = options.timeZone ?? "Europe/Paris";
    this.latest = options.now ? options.now.getTime() - 60_000 : Number.POSITIVE_INFINITY;
  }

  build(): DemoData {
    const lyon = this.addSite("LYO", "Cadenas Self-Stockage Lyon Gerland", "12 rue de Gerland", "69007", "Lyon", "04 78 00 12 34");
    const villeurbanne = this.addSite("VIL", "Cadenas Self-Stockage Villeurbanne", "85 cours Émile Zola", "69100", "Villeurbanne", "04 72 00 56 78");
    const staff = [
      { siteId: lyon, floor: this.addUser("gestionnaire@demo.test", "Valérie Thomas", "VT", "site_manager", [lyon]) },
      { siteId: villeurbanne, floor: this.addUser("gestionnaire2@demo.test", "Bruno Olivier", "BO", "site_manager", [villeurbanne]) },
    ];
    this.manager = this.addUser("manager@demo.test", "Marc Girard", "MG", "manager", [lyon, villeurbanne]);
    this.office = this.addUser("bureau@demo.test", "Sophie Bernard", "SB", "office", []);

    const freeUnits = new Map<string, string[]>();
    for (const site of staff) {
      const free = this.addUnits(site.siteId);
      freeUnits.set(site.siteId, free);
      const stages = this.f.helpers.shuffle(
        Object.entries(DEMO_STAGES).flatMap(([stage, spec]) => Array.from({ length: spec.perSite }, () => stage as DemoStage)),
      );
      for (let i = 0; i < CUSTOMERS_PER_SITE; i++) this.addCustomer(site, free, stages[i]);
    }
    // Last, so that the stories above stay what they were.
    for (const site of staff) for (const left of LEFT_TO_ENGINE) this.addCustomer(site, freeUnits.get(site.siteId)!, left.stage, left);
    return this.data;
  }

  // ---- sites, units, users -------------------------------------------------------------------------------

  private addSite(code: string, name: string, address: string, postalCode: string, city: string, phone: string): string {
    const id = this.f.string.uuid();
    this.data.sites.push({ id, code, name, address, postalCode, city, phone, email: `${code.toLowerCase()}@demo.test`, ...DEMO_SITE_SETTINGS[code], replyTo: `${code.toLowerCase()}@demo.test`, timeZone: this.tz });
    return id;
  }

  /** 200 units a site: buildings A and B, aisles 1–5, 20 boxes an aisle, numbered like "A312". */
  private addUnits(siteId: string): string[] {
    const ids: string[] = [];
    for (const building of ["A", "B"]) {
      for (let aisle = 1; aisle <= 5; aisle++) {
        for (let pos = 1; pos <= 20; pos++) {
          const id = this.f.string.uuid();
          ids.push(id);
          this.data.units.push({
            id,
            siteId,
            number: `${building}${aisle}${String(pos).padStart(2, "0")}`,
            building,
            aisle: String(aisle),
            sizeM2: this.f.helpers.arrayElement(SIZES_M2),
          });
        }
      }
    }
    return this.f.helpers.shuffle(ids);
  }

  private addUser(email: string, name: string, initials: string, role: Role, siteIds: string[]) {
    const id = this.f.string.uuid();
    this.data.users.push({ id, email, name, initials, role, password: "demo" });
    for (const siteId of siteIds) this.data.userSites.push({ userId: id, siteId });
    return { id, initials };
  }

  // ---- customers and their money -------------------------------------------------------------------------

  /** The sites whose box ready to be opened is written (one a site). */
  private readonly openable = new Set<string>();

  private addCustomer(site: SiteStaff, freeUnits: string[], stage: DemoStage | undefined, left?: LeftStory): void {
    const f = this.f;
    const kind: CustomerKind = left?.kind ?? (f.datatype.boolean(0.22) ? "company" : "person");
    const segment = left?.segment ?? this.pickSegment(kind, stage);
    const paymentMethod: PaymentMethod = left?.paymentMethod ?? f.helpers.weightedArrayElement([
      { value: "card", weight: 35 },
      { value: "sepa", weight: 38 },
      { value: "transfer", weight: 15 },
      { value: "cheque", weight: 8 },
      { value: "cash", weight: 4 },
    ]);
    const firstName = f.person.firstName();
    const lastName = f.person.lastName();
    const name = kind === "company" ? f.company.name() : `${firstName} ${lastName}`;
    const mailbox = kind === "company" ? `comptabilite@${slug(name)}.test` : `${slug(firstName)}.${slug(lastName)}@exemple.test`;
    const customerId = f.string.uuid();
    this.data.customers.push({
      id: customerId,
      ref: `CL${++this.counters.customer}`,
      kind,
      name,
      email: segment === "standard-sans-email" || (f.datatype.boolean(0.04) && !left?.bounced) ? null : mailbox,
      phone: f.datatype.boolean(0.03) ? null : `0${f.helpers.arrayElement(["6", "7"])} ${pairs(f, 4)}`,
      address: `${f.number.int({ min: 1, max: 140 })} ${f.location.street()}`,
      postalCode: f.helpers.arrayElement(["69001", "69003", "69006", "69007", "69008", "69100", "69200", "69300"]),
      city: f.helpers.arrayElement(["Lyon", "Lyon", "Lyon", "Villeurbanne", "Vénissieux", "Caluire-et-Cuire"]),
      paymentMethod,
      segment,
      stop: !left && stage !== undefined && stage !== "paid" && f.datatype.boolean(0.06),
    });

    const unitCount = kind === "company" ? f.helpers.arrayElement([1, 1, 2, 3]) : f.datatype.boolean(0.08) ? 2 : 1;
    const unitIds = freeUnits.splice(0, unitCount);

    // J0 of a case is the due date of the oldest unpaid invoice. Most contracts bill on the 1st; a debtor's
    // contract bills on the day that puts its case at the wanted stage today (anniversary billing).
    let anchor: string | undefined;
    const due = left ? dueDateFor(SCENARIO.get(left.segment)!, left.step, paymentMethod, this.today) : undefined;
    if (due) {
      anchor = due.anchor;
      this.data.leftToEngine.push({ customerId, step: left!.step, recordedUntil: addDays(due.on, -1) });
    } else if (stage) {
      const [min, max] = DEMO_STAGES[stage].daysLate;
      // Billing days stop at the 28th (every month has one); pick a day late in range that respects it,
      // or step back to the 28th when the whole range falls on the 29th–31st.
      const unfit = (a: string | undefined) => !a || Number(a.slice(8)) > 28 || (stage === "exit" && exitAfterR3(a).exitOn >= this.today);
      for (let attempt = 0; attempt < 40 && unfit(anchor); attempt++) {
        anchor = addDays(this.today, -f.number.int({ min, max }));
      }
      if (stage === "exit" && exitAfterR3(anchor!).exitOn >= this.today) anchor = addDays(this.today, -max);
      // One exit story a site goes further back: its termination notice's collection period has run out, so the
      // box can be opened on a fresh demo (the others still wait for theirs).
      if (stage === "exit" && !this.openable.has(site.siteId)) {
        this.openable.add(site.siteId);
        const ready = (a: string) => Number(a.slice(8)) <= 28 && addDays(exitAfterR3(a).exitOn, AR_AFTER_DAYS + DEFAULT_SETTINGS.collectionPeriodDays) < this.today;
        for (let back = max; !ready(anchor!) && back < max + 120; back++) anchor = addDays(this.today, -back);
      }
      while (Number(anchor!.slice(8)) > 28) anchor = addDays(anchor!, -1);
    }
    const billingDay = anchor ? Number(anchor.slice(8)) : 1;
    const startDate = addMonths(this.today, -f.number.int({ min: 5, max: 40 }));
    const endDate = stage === "exit" && anchor ? exitAfterR3(anchor).exitOn : null;

    const rents: { contractId: string; unitId: string; rentCents: number }[] = [];
    for (const unitId of unitIds) {
      const unit = this.data.units.find((u) => u.id === unitId)!;
      const rentCents = Math.round(19 + (unit.sizeM2 ?? 1) * 17.5) * 100;
      const contractId = f.string.uuid();
      this.data.contracts.push({
        id: contractId,
        ref: `CT${++this.counters.contract}`,
        customerId,
        unitId,
        monthlyRentCents: rentCents,
        startDate: withDay(startDate, billingDay),
        endDate,
      });
      rents.push({ contractId, unitId, rentCents });
    }

    // Four months of invoices, one a contract a month, due on the billing day.
    const customerInvoices: { id: string; dueDate: string; amountCents: number }[] = [];
    for (let back = 4; back >= 0; back--) {
      const dueDate = withDay(addMonths(this.today, -back), billingDay);
      if (dueDate < addMonths(this.today, -4) || dueDate > this.today || (endDate && dueDate > endDate)) continue;
      for (const rent of rents) {
        const id = f.string.uuid();
        this.data.invoices.push({
          id,
          ref: `F${dueDate.slice(0, 4)}-${String(++this.counters.invoice).padStart(5, "0")}`,
          customerId,
          contractId: rent.contractId,
          kind: "rent",
          issueDate: dueDate,
          dueDate,
          amountCents: rent.rentCents,
        });
        customerInvoices.push({ id, dueDate, amountCents: rent.rentCents });
      }
    }

    for (const invoice of customerInvoices) {
      if (!anchor || invoice.dueDate < anchor) this.addPayment(customerId, invoice.id, onTimePaymentDate(f, invoice.dueDate, paymentMethod), invoice.amountCents, paymentMethod);
    }
    if ((!stage && !left) || !anchor) return;

    const floorSiteUnits = unitIds.map((id) => ({ id, number: this.data.units.find((u) => u.id === id)!.number }));
    new CaseStory(this, f, {
      site,
      customerId,
      stage,
      anchor,
      paymentMethod,
      units: floorSiteUnits,
      invoices: customerInvoices.filter((i) => i.dueDate >= anchor!),
      endDate,
      scenario: SCENARIO.get(segment)!,
      left: due && left ? { step: left.step, on: due.on, bounced: left.bounced ?? false } : undefined,
    }).write();
  }

  private pickSegment(kind: CustomerKind, stage: DemoStage | undefined): Segment {
    // The demo cases follow the default procedure, so debtors are on the "box" scenario.
    if (stage) return "box";
    return this.f.helpers.weightedArrayElement<Segment>(
      kind === "company"
        ? [
            { value: "box", weight: 3 },
            { value: "standard", weight: 3 },
            { value: "standard-sans-email", weight: 1 },
            { value: "export", weight: 2 },
            { value: "grand-compte", weight: 3 },
          ]
        : [
            { value: "box", weight: 12 },
            { value: "standard", weight: 3 },
            { value: "standard-sans-email", weight: 1 },
            { value: "mauvais-payeur", weight: 2 },
          ],
    );
  }

  addPayment(customerId: string, invoiceId: string | null, date: string, amountCents: number, method: PaymentMethod, rejectedReason?: string): string {
    const id = this.f.string.uuid();
    this.data.payments.push({
      id,
      ref: `P${date.slice(0, 4)}-${String(++this.counters.payment).padStart(6, "0")}`,
      customerId,
      invoiceId,
      date,
      amountCents,
      method,
      status: rejectedReason ? "rejected" : "ok",
      reason: rejectedReason ?? null,
    });
    return id;
  }

  // ---- accessors for the case stories --------------------------------------------------------------------

  get rows(): DemoData {
    return this.data;
  }
  get todayDate(): string {
    return this.today;
  }
  get managerUser() {
    return this.manager;
  }
  get officeUser() {
    return this.office;
  }
  nextPadlockNumber(): string {
    return String(++this.counters.padlock);
  }
  nextTrackingNumber(): string {
    return `1A ${String(this.f.number.int({ min: 100, max: 999 }))} ${String(this.f.number.int({ min: 100, max: 999 }))} ${String(++this.counters.tracking).padStart(4, "0")} ${this.f.number.int({ min: 1, max: 9 })}`;
  }
  instant(date: string, earliestHour = 9, latestHour = 18): string {
    const hour = this.f.number.int({ min: earliestHour, max: latestHour });
    const minute = this.f.number.int({ min: 0, max: 59 });
    const at = zonedInstant(date, `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`, this.tz);
    return Date.parse(at) > this.latest ? new Date(this.latest).toISOString() : at;
  }
}

interface StoryFacts {
  site: SiteStaff;
  customerId: string;
  /** The last step reached (none: a story left to the engine before its first step). */
  stage: DemoStage | undefined;
  anchor: string;
  paymentMethod: PaymentMethod;
  units: { id: string; number: string }[];
  invoices: { id: string; dueDate: string; amountCents: number }[];
  endDate: string | null;
  scenario: Scenario;
  /** The step left to the engine, the day it falls due, and whether the R1 e-mail was refused. */
  left?: { step: string; on: string; bounced: boolean };
}

/** Writes what a site would have logged for one case, step by step, up to the stage it has reached today. */
class CaseStory {
  private readonly caseId: string;
  private level: Level = "none";

  constructor(
    private readonly b: DemoBuilder,
    private readonly f: Faker,
    private readonly facts: StoryFacts,
  ) {
    this.caseId = f.string.uuid();
  }

  write(): void {
    const { stage, anchor } = this.facts;
    const today = this.b.todayDate;
    if (this.facts.scenario.code !== "box") {
      // Another scenario's story starts with the step left to the engine: nothing to tell yet.
      this.b.rows.cases.push({ id: this.caseId, customerId: this.facts.customerId, status: "open", openedOn: anchor, anchorOn: anchor, level: "none", stage: null });
      return;
    }
    const lastDay = this.lastDay;
    const paidOn = stage === "paid" ? addDays(today, -this.f.number.int({ min: 1, max: 6 })) : undefined;
    const reached = (step: string, day: string) => day <= lastDay && !this.leftOrLater(step) && (!paidOn || day < paidOn);
    const firstContactOn = this.paymentIncident() ?? addDays(anchor, 1);

    if (!this.leftOrLater("first-contact")) {
      const lateFirstCall = stage === "first-contact" && this.f.datatype.boolean(0.5);
      if (lateFirstCall) this.task("call", "first-contact", firstContactOn);
      else this.firstContact(firstContactOn);
    }

    if (reached("reminder", addDays(anchor, 9))) {
      if (stage === "reminder" && this.f.datatype.boolean(0.5)) this.task("call", "reminder", addDays(anchor, 9));
      else this.reminder(addDays(anchor, 9));
    }
    if (reached("R1", addDays(anchor, 14))) {
      const at = this.during(addDays(anchor, 14));
      if (this.facts.left?.bounced) this.refused(at, "R1", addDays(anchor, 14));
      else this.log("email", SYSTEM, at, "Relance 1 envoyée par courriel", { data: { template: "R1" } });
      this.setLevel("R1", addDays(anchor, 14));
      if (stage === "R1") {
        for (const unit of this.facts.units) {
          this.task("padlock_place", "lockout", addDays(anchor, 14), unit.id);
          this.task("gate_suspend", "lockout", addDays(anchor, 14), unit.id);
        }
      } else {
        this.lockout(addDays(anchor, 14));
      }
    }
    if (reached("R2-notice", addDays(anchor, 24))) {
      this.log("email", this.b.officeUser, this.during(addDays(anchor, 24)), "Courriel « avant envoi lettre R2 pour impayé » envoyé", { data: { template: "R2-notice" } });
    }
    const r2On = addMonths(anchor, 1);
    if (reached("R2", r2On)) {
      this.letter(r2On, "Relance 2", "R2");
      this.setLevel("R2", r2On);
    }
    const { r3On, exitOn: exitAfterAr } = exitAfterR3(anchor);
    if (reached("R3", r3On)) {
      // The AR back on a day that would have ended the contract by now only in the stories at the exit: the others
      // still wait for it.
      this.letter(r3On, "Mise en demeure (R3)", "R3", { withAr: stage === "exit" || exitAfterAr > lastDay });
      this.setLevel("R3", r3On);
    }
    if (stage === "exit" && this.facts.endDate) {
      const exitOn = this.facts.endDate;
      this.log("contract_ended", this.b.managerUser, this.during(exitOn), `Sortie du contrat au ${formatDateFr(exitOn)} (accord Manager), avoirs sur factures impayées à valider`);
      this.letter(exitOn, "Notification de la résiliation", "exit", { contractEndsOn: exitOn });
      this.task("open_box", "exit", addDays(exitOn, 1), this.facts.units[0]?.id);
    }
    if (paidOn) this.payInFull(paidOn);

    this.b.rows.cases.push({
      id: this.caseId,
      customerId: this.facts.customerId,
      status: paidOn ? "paid" : "open",
      openedOn: anchor,
      anchorOn: anchor,
      level: this.level,
      stage: paidOn ? "unlock" : (stage ?? null),
      closedOn: paidOn ?? null,
    });
  }

  /** A reject starts the case: card refused by the terminal, SEPA debit returned, cheque bounced. */
  private paymentIncident(): string | undefined {
    const { paymentMethod, customerId, anchor } = this.facts;
    const first = this.facts.invoices[0];
    if (!first) return undefined;
    const incident = INCIDENTS[paymentMethod];
    if (!incident) return undefined;
    const on = addDays(anchor, incident.after);
    if (on > this.b.todayDate) return undefined;
    const paymentId = paymentMethod === "transfer" ? null : this.b.addPayment(customerId, first.id, on, first.amountCents, paymentMethod, incident.reason);
    this.b.rows.paymentIncidents.push({
      id: this.f.string.uuid(),
      customerId,
      paymentId,
      invoiceId: first.id,
      kind: incident.kind,
      occurredOn: on,
      reason: incident.reason,
    });
    // Left to the engine, the first contact bills the reject's fee itself (for the office to enter).
    if (paymentMethod === "sepa" && !this.leftOrLater("first-contact")) {
      const feeId = this.f.string.uuid();
      this.b.rows.invoices.push({
        id: feeId,
        ref: `FB${on.slice(0, 4)}-${feeId.slice(0, 6).toUpperCase()}`,
        customerId,
        contractId: null,
        kind: "fee",
        issueDate: on,
        dueDate: on,
        amountCents: 2000,
      });
      this.facts.invoices.push({ id: feeId, dueDate: on, amountCents: 2000 });
      this.log("fee", this.floor, this.during(on), "Frais d'impayé facturés (rejet de prélèvement SEPA) : 20,00 €");
    }
    return paymentMethod === "card" ? addDays(on, 1) : on;
  }

  private firstContact(on: string): void {
    const outcome = this.callOutcome();
    const reasons: Record<PaymentMethod, string> = {
      card: "CB expirée",
      sepa: "prélèvement rejeté",
      cheque: "chèque impayé",
      transfer: "virement non reçu",
      cash: "loyer non réglé",
    };
    this.call(on, outcome, reasons[this.facts.paymentMethod]);
    if (this.facts.paymentMethod === "card") {
      const rerun = addDays(on, 1);
      if (rerun <= this.b.todayDate) this.log("note", this.floor, this.during(rerun), `Paiement rejeté, carte repassée le ${formatDateFr(rerun)} : refusée`);
    }
  }

  private reminder(on: string): void {
    const outcome = this.callOutcome();
    this.call(on, outcome, "relance avant le 15");
  }

  private call(on: string, outcome: CallOutcome, context: string): void {
    const at = this.during(on);
    const who = this.floor;
    if (outcome === "no_answer") {
      this.log("call", who, at, `${capitalize(context)}, client appelé : pas de réponse, message laissé (rappeler au sujet du box)`, { outcome: "no_answer" });
      this.log("sms", who, at, "SMS envoyé (modèle « merci de nous rappeler »)", { data: { template: "rappel-sms" } });
      this.log("email", who, at, "Courriel envoyé (modèle « premier rappel »)", { data: { template: "rappel-email" } });
    } else if (outcome === "wrong_number") {
      this.log("call", who, at, `${capitalize(context)}, numéro erroné, courriel envoyé pour mise à jour des coordonnées`, { outcome: "wrong_number" });
    } else if (outcome === "promise") {
      const promisedOn = addDays(on, this.f.number.int({ min: 2, max: 7 }));
      const amountCents = this.facts.invoices[0]?.amountCents ?? 0;
      this.log("call", who, at, `${capitalize(context)}, client joint`, { outcome: "promise" });
      this.log("promise", who, at, `« Je passerai payer le ${formatDateFr(promisedOn)} » : ${formatEurosPlain(amountCents)}`, { data: { promisedOn, amountCents } });
    } else {
      const answers = ["attend son salaire, paiera en fin de semaine", "conteste une facture, à vérifier", "pensait avoir payé, va vérifier", "va faire un virement"];
      if (this.facts.paymentMethod === "card") answers.push("dès que j'ai ma nouvelle carte je vous contacte");
      this.log("call", who, at, `${capitalize(context)}, client joint : ${this.f.helpers.arrayElement(answers)}`, { outcome: "answered" });
    }
  }

  private callOutcome(): CallOutcome {
    const outcomes: { value: CallOutcome; weight: number }[] = [
      { value: "no_answer", weight: 55 },
      { value: "answered", weight: 20 },
      { value: "promise", weight: 20 },
      { value: "wrong_number", weight: 5 },
    ];
    // A promise still standing would hold the step left to the engine.
    return this.f.helpers.weightedArrayElement(this.facts.left ? outcomes.filter((o) => o.value !== "promise") : outcomes);
  }

  /** From the 15th: a second padlock on every unit and the gate code suspended. Units keep that state. */
  private lockout(on: string): void {
    for (const unit of this.facts.units) {
      const padlock = this.b.nextPadlockNumber();
      this.log("padlock_placed", this.floor, this.during(on), `Double cadenas posé sur le box ${unit.number} (cadenas n° ${padlock})`, { data: { padlockNumber: padlock }, unitId: unit.id });
      this.unitRow(unit.id).padlockState = "second_padlock";
    }
    for (const unit of this.facts.units) {
      this.log("gate_suspended", this.floor, this.during(on), `Code d'accès suspendu (box ${unit.number})`, { unitId: unit.id });
      this.unitRow(unit.id).gateState = "suspended";
    }
  }

  private letter(on: string, title: string, step: string, options: { withAr?: boolean; contractEndsOn?: string } = {}): void {
    const tracking = this.b.nextTrackingNumber();
    const office = this.b.officeUser;
    const at = this.during(on);
    this.log("registered_letter", office, at, `${title} envoyée en LRAR n° ${tracking} et en lettre simple`, { data: { trackingNumber: tracking, step } });
    // Both letters of the step, posted by the office; the registered one's receipt card is back a few days later.
    const acknowledgedOn = addDays(on, AR_AFTER_DAYS);
    const ar = options.withAr !== false && acknowledgedOn <= this.lastDay ? { acknowledgedOn } : {};
    const ends = options.contractEndsOn ? { contractEndsOn: options.contractEndsOn } : {};
    for (const channel of ["registered_letter", "letter"] as const) {
      this.message(step, channel, at, channel === "registered_letter" ? { trackingNumber: tracking, ...ar, ...ends } : ends);
    }
  }

  /** An e-mail of `step` refused for good by the customer's mail server: failed, and the floor asked to fix the address. */
  private refused(at: string, step: string, on: string): void {
    const email = this.b.rows.customers.find((c) => c.id === this.facts.customerId)!.email;
    this.message(step, "email", at, { error: `Adresse refusée : 550 5.1.1 <${email}>: Recipient address rejected: User unknown in virtual mailbox table` });
    this.task("fix_contact", step, on);
  }

  private message(step: string, channel: MessageChannel, at: string, outcome: Pick<DemoMessage, "trackingNumber" | "acknowledgedOn" | "error" | "contractEndsOn">): void {
    const template = this.facts.scenario.steps.find((s) => s.code === step)?.actions.find((a) => a.action === "message" && a.channel === channel);
    if (template?.action !== "message") return;
    this.b.rows.messages.push({ customerId: this.facts.customerId, caseId: this.caseId, siteId: this.facts.site.siteId, step, template: template.template, channel, at, ...outcome });
  }

  /** The last day the story tells: today, or the day before the step left to the engine. */
  private get lastDay(): string {
    return this.facts.left ? addDays(this.facts.left.on, -1) : this.b.todayDate;
  }

  /** The step left to the engine is this one or an earlier one: the story does not tell it. */
  private leftOrLater(step: string): boolean {
    const left = this.facts.left;
    if (!left) return false;
    const codes = this.facts.scenario.steps.map((s) => s.code);
    return codes.indexOf(step) >= codes.indexOf(left.step);
  }

  private setLevel(level: Level, on: string): void {
    this.level = level;
    this.log("level_changed", SYSTEM, this.during(on), `${level} ${on.slice(5, 7)}/${on.slice(2, 4)}`, { data: { level } });
  }

  /** Paid: the debt is settled, and the padlock and gate code are lifted — or still to be lifted on the floor. */
  private payInFull(on: string): void {
    const { customerId, paymentMethod } = this.facts;
    const method = paymentMethod === "sepa" || paymentMethod === "card" ? "card" : paymentMethod;
    let total = 0;
    for (const invoice of this.facts.invoices) {
      this.b.addPayment(customerId, invoice.id, on, invoice.amountCents, method);
      total += invoice.amountCents;
    }
    this.log("payment", this.floor, this.during(on), `Paiement reçu (${method === "card" ? "CB par téléphone" : method === "transfer" ? "virement" : method === "cheque" ? "chèque" : "espèces"}) : ${formatEurosPlain(total)}, dossier soldé`);
    const wasLocked = this.facts.units.some((u) => this.unitRow(u.id).padlockState === "second_padlock");
    if (!wasLocked) return;
    const liftedOnTheFloor = daysBetween(on, this.b.todayDate) >= 2 || this.f.datatype.boolean(0.5);
    if (liftedOnTheFloor) {
      for (const unit of this.facts.units) {
        this.log("padlock_removed", this.floor, this.during(on), `Double cadenas retiré du box ${unit.number}`, { unitId: unit.id });
        this.log("gate_restored", this.floor, this.during(on), `Code d'accès rétabli (box ${unit.number})`, { unitId: unit.id });
        this.unitRow(unit.id).padlockState = "none";
        this.unitRow(unit.id).gateState = "active";
      }
    } else {
      for (const unit of this.facts.units) {
        this.task("padlock_remove", "unlock", on, unit.id);
        this.task("gate_restore", "unlock", on, unit.id);
      }
    }
  }

  private get floor() {
    return this.facts.site.floor;
  }

  private unitRow(unitId: string) {
    return this.b.rows.units.find((u) => u.id === unitId)!;
  }

  private task(kind: (typeof tasks.$inferInsert)["kind"], stepCode: string, dueOn: string, unitId?: string): void {
    this.b.rows.tasks.push({
      id: this.f.string.uuid(),
      siteId: this.facts.site.siteId,
      caseId: this.caseId,
      customerId: this.facts.customerId,
      unitId: unitId ?? null,
      kind,
      stepCode,
      dueOn,
      status: "open",
    });
  }

  /** Appends one line to the case's history, written by `by` at the instant `at`. */
  private log(
    kind: (typeof actions.$inferInsert)["kind"],
    by: Author,
    at: string,
    text: string,
    extra: { outcome?: CallOutcome; data?: Record<string, unknown>; unitId?: string } = {},
  ): void {
    this.b.rows.actions.push({
      id: this.f.string.uuid(),
      caseId: this.caseId,
      customerId: this.facts.customerId,
      siteId: this.facts.site.siteId,
      unitId: extra.unitId ?? null,
      userId: by.id,
      initials: by.initials,
      kind,
      outcome: extra.outcome ?? null,
      text,
      happenedAt: at,
      recordedAt: at,
      data: extra.data ?? null,
    });
  }

  /** A working-hours instant on `date`. */
  private during(date: string): string {
    return this.b.instant(date);
  }
}

function onTimePaymentDate(f: Faker, due: string, method: PaymentMethod): string {
  const delay = { card: 0, sepa: 2, transfer: f.number.int({ min: 0, max: 5 }), cheque: f.number.int({ min: 1, max: 8 }), cash: f.number.int({ min: 0, max: 6 }) }[method];
  return addDays(due, delay);
}

function withDay(date: string, day: number): string {
  return `${date.slice(0, 8)}${String(day).padStart(2, "0")}`;
}

function pairs(f: Faker, n: number): string {
  return Array.from({ length: n }, () => String(f.number.int({ min: 0, max: 99 })).padStart(2, "0")).join(" ");
}

function slug(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
