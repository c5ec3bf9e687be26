import { count } from "drizzle-orm";
import type { Role } from "../../shared/enums";
import type { SessionUser } from "../../shared/schemas/auth";
import type { Database } from "../db/client";
import { sites } from "../sites/sites.sql";
import { AppError } from "../errors";

/** Office work (the office and the Manager, not the floor): a site manager is refused with `message`. */
export function officeOnly(role: Role, message: string): void {
  if (role === "site_manager") throw new AppError("FORBIDDEN", message);
}

/**
 * Work on data that spans every site — the billing software's files, and their reports, name customers of all
 * sites: the office, or a Manager who works on every site. A Manager of some sites only is refused with `message`.
 */
export async function everySiteOnly(db: Database, user: SessionUser, message: string): Promise<void> {
  officeOnly(user.role, message);
  if (user.role === "office") return;
  const [all] = await db.select({ n: count() }).from(sites);
  if (user.sites.length < (all?.n ?? 0)) throw new AppError("FORBIDDEN", message);
}
