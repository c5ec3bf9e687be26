import { inArray, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import type { Role } from "../../shared/enums";

/** The sites a request may see: every site for the office, the assigned ones for everyone else. */
export type Scope = { all: true } | { all: false; siteIds: readonly string[] };

export function scopeFor(role: Role, siteIds: readonly string[]): Scope {
  return role === "office" ? { all: true } : { all: false, siteIds };
}

/** A condition keeping rows whose site column is in scope; always true for the office. */
export function inScope(scope: Scope, siteColumn: SQLWrapper): SQL {
  if (scope.all) return sql`1 = 1`;
  if (scope.siteIds.length === 0) return sql`1 = 0`;
  return inArray(siteColumn as SQL, [...scope.siteIds]);
}

export function canSeeSite(scope: Scope, siteId: string): boolean {
  return scope.all || scope.siteIds.includes(siteId);
}
