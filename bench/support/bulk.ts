// A site with thousands of debtors, for the benchmarks that need scale: the demo data has ~20 debtors a site,
// far too few to see what a pull or a phone does with a big site. One site, one site manager, and N customers,
// each renting one unit, with an open case, four invoices (the newest 1–3 unpaid), about ten history lines, and
// an open call task on every third one. Written with multi-row inserts in one transaction, as the demo seed does.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Faker, base, en, fr } from "@faker-js/faker";
import { sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { v7 as uuidv7 } from "uuid";
import { addDays, addMonths, zonedInstant } from "../../shared/dates";
import type { ActionKind, CallOutcome, Level, PaymentMethod } from "../../shared/enums";
import { users, userSites } from "../../server/auth/auth.sql";
import { hashPassword } from "../../server/auth/password";
import { invoices, payments } from "../../server/billing/billing.sql";
import { actions, cases, tasks } from "../../server/cases/cases.sql";
import { contracts, customers } from "../../server/customers/customers.sql";
import { migrateDatabase, openDatabase, type Database, type Transaction } from "../../server/db/client";
import { loadConfig } from "../../server/env";
import { startServer, type RunningServer } from "../../server/server";
import { sites, units } from "../../server/sites/sites.sql";
import { syncChanges } from "../../server/sync/sync.sql";

/** The benchmarks' "today", the same as the tests', so that dates and case stages are stable. */
export const BENCH_TODAY = "2026-11-22";
const TIME_ZONE = "Europe/Paris";

/** The site manager of the bulk site. */
export const BULK_USER = { email: "gestionnaire@bulk.test", password: "bulk", initials: "GB" } as const;

export interface BulkOptions {
  /** How many debtors (customers with an open case) the site has. */
  debtors: number;
  /**
   * Rows in `sync_changes`, cycling over the customers (a database that has lived a while has many changes a
   * customer). Default: one a customer, as if each had been written once.
   */
  changeRows?: number;
}

export interface BulkData {
  siteId: string;
  userId: string;
  /** In insertion order. */
  customerIds: string[];
  rows: { customers: number; invoices: number; payments: number; actions: number; tasks: number; changes: number };
}

/** Writes the bulk site into a migrated, empty database. */
export async function writeBulkData(db: Database, options: BulkOptions): Promise<BulkData> {
  const g = generate(options.debtors);
  const passwordHash = await hashPassword(BULK_USER.password);
  const changeRows = options.changeRows ?? options.debtors;
  await db.transaction(async (tx) => {
    await insertAll(tx, sites, [g.site]);
    await insertAll(tx, users, [{ ...g.user, passwordHash }]);
    await insertAll(tx, userSites, [{ userId: g.user.id, siteId: g.site.id }]);
    await insertAll(tx, units, g.units);
    await insertAll(tx, customers, g.customers);
    await insertAll(tx, contracts, g.contracts);
    await insertAll(tx, invoices, g.invoices);
    await insertAll(tx, payments, g.payments);
    await insertAll(tx, cases, g.cases);
    await insertAll(tx, actions, g.actions);
    await insertAll(tx, tasks, g.tasks);
    // The change feed: whole passes over the customers, then a partial one, in SQL (no need to ship 100,000
    // rows through JavaScript).
    for (let left = changeRows; left > 0; left -= Math.min(left, g.customers.length)) {
      await tx.run(sql`insert into ${syncChanges} (customer_id, site_id)
        select id, ${g.site.id} from ${customers} order by rowid limit ${Math.min(left, g.customers.length)}`);
    }
  });
  return {
    siteId: g.site.id,
    userId: g.user.id,
    customerIds: g.customers.map((c) => c.id),
    rows: {
      customers: g.customers.length,
      invoices: g.invoices.length,
      payments: g.payments.length,
      actions: g.actions.length,
      tasks: g.tasks.length,
      changes: changeRows,
    },
  };
}

async function insertAll<T extends SQLiteTable>(tx: Transaction, table: T, rows: T["$inferInsert"][]): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) await tx.insert(table).values(rows.slice(i, i + 200));
}

export interface BulkServer {
  server: RunningServer;
  url: string;
  data: BulkData;
  /** The temp folder holding the database (and the client copy, if the caller puts one there). */
  dir: string;
  /** How long writing the data took, ms. */
  seedMs: number;
  close(): Promise<void>;
}

/**
 * The real server, in this process, on a random port, over a temp libSQL file holding the bulk site (no demo
 * data). `clientDir(dir)` may place a built client inside the temp folder; without it, no client is served.
 */
export async function startBulkServer(options: BulkOptions & { clientDir?: (dir: string) => string }): Promise<BulkServer> {
  const dir = mkdtempSync(join(tmpdir(), "cadenas-bench-"));
  try {
    const url = `file:${join(dir, "bulk.db")}`;
    const started = performance.now();
    const handle = await openDatabase(url);
    let data: BulkData;
    try {
      await migrateDatabase(handle.db);
      data = await writeBulkData(handle.db, options);
    } finally {
      handle.close();
    }
    const seedMs = performance.now() - started;
    const config = loadConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: url,
      DATA_DIR: dir,
      DEMO_DATA: "off",
      // A JSON line a request would bury the figures the bench prints.
      LOG_LEVEL: "silent",
      TODAY: BENCH_TODAY,
      ENGINE_AT: "off",
      CLIENT_DIR: options.clientDir ? options.clientDir(dir) : join(dir, "no-client"),
    });
    const server = await startServer(config, () => {});
    return {
      server,
      url: server.url,
      data,
      dir,
      seedMs,
      async close() {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

// ---- the rows ------------------------------------------------------------------------------------------------

type Row<T extends SQLiteTable> = T["$inferInsert"];

interface Generated {
  site: Row<typeof sites>;
  user: Omit<Row<typeof users>, "passwordHash">;
  units: Row<typeof units>[];
  customers: Row<typeof customers>[];
  contracts: Row<typeof contracts>[];
  invoices: Row<typeof invoices>[];
  payments: Row<typeof payments>[];
  cases: Row<typeof cases>[];
  actions: Row<typeof actions>[];
  tasks: Row<typeof tasks>[];
}

const METHODS: PaymentMethod[] = ["card", "sepa", "sepa", "transfer", "cheque", "card"];
const CITIES = ["Lyon", "Lyon", "Villeurbanne", "Vénissieux", "Caluire-et-Cuire", "Bron"];

/** Deterministic (seeded) so that two runs measure the same data. */
function generate(count: number): Generated {
  const f = new Faker({ locale: [fr, en, base] });
  f.seed(20_261_122);
  const site: Row<typeof sites> = {
    id: uuidv7(),
    code: "BLK",
    name: "Cadenas Self-Stockage Lyon Bulk",
    address: "1 rue du Banc d'Essai",
    postalCode: "69007",
    city: "Lyon",
    phone: "04 78 00 00 00",
    email: "blk@bulk.test",
  };
  const user = { id: uuidv7(), email: BULK_USER.email, name: "Gaëlle Bulk", initials: BULK_USER.initials, role: "site_manager" as const };
  const author = { id: user.id, initials: user.initials };
  const system = { id: null, initials: "SYS" };
  const g: Generated = { site, user, units: [], customers: [], contracts: [], invoices: [], payments: [], cases: [], actions: [], tasks: [] };

  for (let i = 0; i < count; i++) {
    const n = String(i + 1).padStart(5, "0");
    // 500 boxes a building (A, B, …), 50 an aisle.
    const building = String.fromCharCode(65 + Math.floor(i / 500));
    const aisle = String(Math.floor((i % 500) / 50) + 1);
    // From two unpaid months on, the box is locked out (second padlock, gate code suspended).
    const unpaid = 1 + (i % 3);
    const lockedOut = unpaid >= 2;
    const unitId = uuidv7();
    g.units.push({
      id: unitId,
      siteId: site.id,
      number: `${building}${n}`,
      building,
      aisle,
      sizeM2: 1 + (i % 12),
      padlockState: lockedOut ? "second_padlock" : "none",
      gateState: lockedOut ? "suspended" : "active",
    });

    const customerId = uuidv7();
    const firstName = f.person.firstName();
    const lastName = f.person.lastName();
    const paymentMethod = METHODS[i % METHODS.length]!;
    g.customers.push({
      id: customerId,
      ref: `CB${n}`,
      kind: i % 5 === 0 ? "company" : "person",
      name: `${firstName} ${lastName}`,
      email: `${slug(firstName)}.${slug(lastName)}.${n}@exemple.test`,
      phone: `06 ${pairs(i)}`,
      address: `${(i % 140) + 1} ${f.location.street()}`,
      postalCode: "69007",
      city: CITIES[i % CITIES.length]!,
      paymentMethod,
      segment: "box",
      stop: false,
    });

    const contractId = uuidv7();
    const rentCents = 4_900 + (i % 10) * 1_000;
    const billingDay = 1 + (i % 20); // every due date this month is on or before today (the 22nd)
    g.contracts.push({ id: contractId, ref: `CTB${n}`, customerId, unitId, monthlyRentCents: rentCents, startDate: withDay(addMonths(BENCH_TODAY, -24), billingDay) });

    // Four monthly invoices, the newest 1–3 unpaid; the case starts at the oldest unpaid one.
    let anchor = "";
    for (let back = 3; back >= 0; back--) {
      const dueDate = withDay(addMonths(BENCH_TODAY, -back), billingDay);
      const invoiceId = uuidv7();
      g.invoices.push({ id: invoiceId, ref: `FB-${n}-${back}`, customerId, contractId, kind: "rent", issueDate: dueDate, dueDate, amountCents: rentCents });
      if (back >= unpaid) {
        g.payments.push({ id: uuidv7(), ref: `PB-${n}-${back}`, customerId, invoiceId, date: addDays(dueDate, 2), amountCents: rentCents, method: paymentMethod, status: "ok" });
      } else if (!anchor) {
        anchor = dueDate;
      }
    }
    const caseId = uuidv7();
    const level: Level = unpaid === 1 ? "none" : unpaid === 2 ? "R1" : "R2";
    g.cases.push({ id: caseId, customerId, status: "open", openedOn: anchor, anchorOn: anchor, level, stage: unpaid === 1 ? "reminder" : unpaid === 2 ? "lockout" : "R2" });

    if (i % 3 === 0) {
      g.tasks.push({ id: uuidv7(), siteId: site.id, caseId, customerId, unitId: null, kind: "call", stepCode: "reminder", dueOn: addDays(BENCH_TODAY, -(i % 4)), status: "open" });
    }

    // About ten history lines (8–12), from the first contact on.
    const lines = 8 + (i % 5);
    for (let k = 0; k < lines; k++) {
      const [kind, outcome, text, by] = historyLine(k, building + n, paymentMethod, lockedOut);
      const day = addDays(anchor, Math.min(k * 3, 60));
      const at = siteInstant(day, 9 + (k % 9), (i * 7 + k * 13) % 60);
      const who = by === "system" ? system : author;
      g.actions.push({
        id: uuidv7(),
        caseId,
        customerId,
        siteId: site.id,
        unitId: kind.startsWith("padlock") || kind.startsWith("gate") ? unitId : null,
        userId: who.id,
        initials: who.initials,
        kind,
        outcome,
        text,
        happenedAt: at,
        recordedAt: at,
        data: kind === "promise" ? { promisedOn: addDays(day, 5), amountCents: rentCents } : null,
      });
    }
  }
  return g;
}

/** The k-th line of a debtor's history, worded as the floor writes them. */
function historyLine(k: number, box: string, method: PaymentMethod, lockedOut: boolean): [ActionKind, CallOutcome | null, string, "floor" | "system"] {
  switch (lockedOut || (k % 10 !== 6 && k % 10 !== 7) ? k % 10 : 9) {
    case 0:
      return ["call", "no_answer", `Premier contact (${method === "sepa" ? "prélèvement rejeté" : "loyer non réglé"}), client appelé : pas de réponse, message laissé`, "floor"];
    case 1:
      return ["sms", null, "SMS envoyé (modèle « merci de nous rappeler »)", "floor"];
    case 2:
      return ["email", null, "Courriel envoyé (modèle « premier rappel »)", "floor"];
    case 3:
      return ["call", "answered", "Relance avant le 15, client joint : attend son salaire, paiera en fin de semaine", "floor"];
    case 4:
      return ["email", null, "Relance 1 envoyée par courriel", "system"];
    case 5:
      return ["level_changed", null, "R1 11/26", "system"];
    case 6:
      return ["padlock_placed", null, `Double cadenas posé sur le box ${box} (cadenas n° ${3100 + k})`, "floor"];
    case 7:
      return ["gate_suspended", null, `Code d'accès suspendu (box ${box})`, "floor"];
    case 8:
      return ["promise", null, "« Je passerai payer vendredi » : 89,00 €", "floor"];
    default:
      return ["note", null, "Client passé à l'accueil, dit avoir fait un virement ; à vérifier demain sur le relevé", "floor"];
  }
}

/**
 * A site-time instant, with the site's UTC offset worked out once a day (at noon): zonedInstant for each of the
 * 50,000 history rows took most of the seeding time.
 */
const noonOffsetMs = new Map<string, number>();
function siteInstant(day: string, hour: number, minute: number): string {
  let offset = noonOffsetMs.get(day);
  if (offset === undefined) {
    offset = Date.parse(`${day}T12:00:00Z`) - Date.parse(zonedInstant(day, "12:00", TIME_ZONE));
    noonOffsetMs.set(day, offset);
  }
  const wall = Date.parse(`${day}T${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}:00Z`);
  return new Date(wall - offset).toISOString();
}

function withDay(date: string, day: number): string {
  return `${date.slice(0, 8)}${String(day).padStart(2, "0")}`;
}

function pairs(i: number): string {
  const digits = String(10_000_000 + ((i * 7_919) % 90_000_000)).slice(0, 8);
  return digits.replace(/(\d\d)(?=\d)/g, "$1 ");
}

function slug(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}
