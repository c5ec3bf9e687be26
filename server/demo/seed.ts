import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { v7 as uuidv7 } from "uuid";
import { users, userSites } from "../auth/auth.sql";
import { hashPassword } from "../auth/password";
import { invoices, paymentIncidents, payments } from "../billing/billing.sql";
import { actions, cases, tasks } from "../cases/cases.sql";
import { contracts, customers } from "../customers/customers.sql";
import type { Database, Transaction } from "../db/client";
import { markPlanDone } from "../engine/run";
import { importRuns } from "../imports/imports.sql";
import { sites, units } from "../sites/sites.sql";
import { generateDemoData, type DemoOptions } from "./generate";

/** Writes the demo data in one transaction; returns a one-line summary. */
export async function seedDemoData(db: Database, options: DemoOptions): Promise<string> {
  const data = generateDemoData(options);
  const userRows = await Promise.all(
    data.users.map(async ({ password, ...user }) => ({ ...user, passwordHash: await hashPassword(password) })),
  );
  await db.transaction(async (tx) => {
    await insertAll(tx, sites, data.sites);
    await insertAll(tx, units, data.units);
    await insertAll(tx, users, userRows);
    await insertAll(tx, userSites, data.userSites);
    await insertAll(tx, customers, data.customers);
    await insertAll(tx, contracts, data.contracts);
    await insertAll(tx, invoices, data.invoices);
    await insertAll(tx, payments, data.payments);
    await insertAll(tx, paymentIncidents, data.paymentIncidents);
    await insertAll(tx, cases, data.cases);
    await insertAll(tx, actions, data.actions);
    await insertAll(tx, tasks, data.tasks);
  });
  // The demo's history stands for what the procedure did so far: the engine takes it from there. The data counts
  // as imported now (a real site imports from its billing software every day).
  await db.insert(importRuns).values({
    id: uuidv7(),
    kind: "invoices",
    fileName: "données de démonstration",
    ok: true,
    lines: data.invoices.length,
    created: data.invoices.length,
    createdAt: (options.now ?? new Date()).toISOString(),
  });
  await markPlanDone(db, options.today);
  const open = data.cases.filter((k) => k.status === "open").length;
  return `${data.sites.length} sites, ${data.units.length} units, ${data.customers.length} customers, ${data.invoices.length} invoices, ${open} open cases`;
}

async function insertAll<T extends SQLiteTable>(tx: Transaction, table: T, rows: T["$inferInsert"][]): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) await tx.insert(table).values(rows.slice(i, i + 200));
}
