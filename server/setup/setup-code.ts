import { createHash, randomInt } from "node:crypto";
import { gte, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { setupCodes } from "./setup.sql";

// Letters and digits that cannot be mistaken for one another when read from a log and typed on a phone.
const ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/** Wrong codes after which every code is spent: guessing one by brute force is not an option. */
const MAX_FAILURES = 20;

/**
 * The one-time code that lets the first person create the first office account on an empty database. The server
 * prints it in its log at start, so whoever reaches the page first cannot claim the server without having read
 * that log. Its hash is kept in the database (`setup_codes`): with several processes behind a proxy, each prints
 * its own and any of them works on any process. A restart prints a new one; none works once the account exists.
 */
export class SetupCode {
  private constructor(readonly code: string) {}

  /** A new code, as printed: two groups of five characters. */
  static generate(): SetupCode {
    const chars = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]!);
    return new SetupCode(`${chars.slice(0, 5).join("")}-${chars.slice(5).join("")}`);
  }

  /** A new code whose hash the database keeps, for this process to print. */
  static async issue(db: Database, now = new Date()): Promise<SetupCode> {
    const setup = SetupCode.generate();
    await db.insert(setupCodes).values({ hash: digest(setup.code), createdAt: now.toISOString() });
    return setup;
  }
}

/** Whether a setup code still works (printed by some process, not spent). */
export async function setupOpen(db: Database): Promise<boolean> {
  const [row] = await db.select({ hash: setupCodes.hash }).from(setupCodes).limit(1);
  return Boolean(row);
}

/**
 * Whether `typed` is one of the codes printed (dashes, spaces and case do not matter). A wrong one counts against
 * all of them; after 20, every code is spent and a process must be restarted to print another.
 */
export async function setupCodeMatches(db: Database, typed: string): Promise<boolean> {
  const [found] = await db.select({ hash: setupCodes.hash }).from(setupCodes).where(sql`${setupCodes.hash} = ${digest(typed)}`);
  if (found) return true;
  await db.update(setupCodes).set({ failures: sql`${setupCodes.failures} + 1` });
  await db.delete(setupCodes).where(gte(setupCodes.failures, MAX_FAILURES));
  return false;
}

/** The account exists: no code works again. */
export async function spendSetupCodes(db: Database): Promise<void> {
  await db.delete(setupCodes);
}

function digest(code: string): string {
  return createHash("sha256").update(code.toUpperCase().replace(/[\s-]/g, "")).digest("hex");
}
