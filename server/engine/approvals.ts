import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { SessionUser } from "../../shared/schemas/auth";
import type { ApprovalItem, DecisionBody } from "../../shared/schemas/approvals";
import type { Role } from "../../shared/enums";
import { inScope, type Scope } from "../auth/scope";
import { balanceSql } from "../billing/balance";
import { actions, cases } from "../cases/cases.sql";
import { customers } from "../customers/customers.sql";
import type { Database } from "../db/client";
import { officeOnly } from "../auth/roles";
import { AppError } from "../errors";
import { markCustomersChanged } from "../sync/changes";
import { plannedActions } from "./engine.sql";
import { carryOutAll } from "./run";

/** What only a Manager decides: ending a contract, and the credit notes that follow it. */
const MANAGER_ONLY = ["contract_end", "credit_note"];

function decidedBy(actionKinds: readonly string[]): Role {
  return actionKinds.some((a) => MANAGER_ONLY.includes(a)) ? "manager" : "office";
}

/** The steps waiting for a decision at the scope's sites, oldest first, with what the office needs to decide. */
export async function listApprovals(db: Database, scope: Scope, asOf: string): Promise<ApprovalItem[]> {
  const rows = await db
    .select({
      id: plannedActions.id,
      customerId: plannedActions.customerId,
      caseId: plannedActions.caseId,
      step: plannedActions.step,
      occurrence: plannedActions.occurrence,
      action: plannedActions.action,
      channel: plannedActions.channel,
      date: plannedActions.date,
      detail: plannedActions.detail,
    })
    .from(plannedActions)
    .where(
      and(
        eq(plannedActions.status, "awaiting_approval"),
        sql`exists (select 1 from contracts ct join units u on u.id = ct.unit_id
                    where ct.customer_id = ${plannedActions.customerId} and ${inScope(scope, sql.raw("u.site_id"))})`,
      ),
    )
    .orderBy(plannedActions.date, plannedActions.customerId, plannedActions.step);
  if (rows.length === 0) return [];
  const ids = [...new Set(rows.map((r) => r.customerId))];
  const [people, levels, sitesOf, history] = await Promise.all([
    db
      .select({ id: customers.id, ref: customers.ref, name: customers.name, kind: customers.kind, balanceCents: balanceSql(asOf) })
      .from(customers)
      .where(inArray(customers.id, ids)),
    db.select({ customerId: cases.customerId, level: cases.level }).from(cases).where(and(inArray(cases.customerId, ids), eq(cases.status, "open"))),
    db.all<{ customer_id: string; code: string }>(sql`
      select distinct ct.customer_id, s.code from contracts ct join units u on u.id = ct.unit_id join sites s on s.id = u.site_id
      where ${inArray(sql.raw("ct.customer_id"), ids)} order by s.code`),
    db
      .select({ customerId: actions.customerId, happenedAt: actions.happenedAt, initials: actions.initials, text: actions.text })
      .from(actions)
      .where(inArray(actions.customerId, ids))
      .orderBy(desc(actions.happenedAt)),
  ]);
  const person = new Map(people.map((p) => [p.id, p]));
  const level = new Map(levels.map((l) => [l.customerId, l.level]));
  const items = new Map<string, ApprovalItem>();
  for (const r of rows) {
    const key = `${r.customerId} ${r.step} ${r.occurrence}`;
    let item = items.get(key);
    if (!item) {
      const p = person.get(r.customerId)!;
      item = {
        customerId: r.customerId,
        customerRef: p.ref,
        name: p.name,
        kind: p.kind,
        sites: sitesOf.filter((s) => s.customer_id === r.customerId).map((s) => s.code),
        balanceCents: Number(p.balanceCents),
        level: level.get(r.customerId) ?? "none",
        caseId: r.caseId,
        step: r.step,
        date: r.date,
        actions: [],
        decidedBy: "office",
        history: history.filter((h) => h.customerId === r.customerId).slice(0, 5).map(({ customerId: _, ...h }) => h),
      };
      items.set(key, item);
    }
    item.actions.push({
      id: r.id,
      action: r.action as ApprovalItem["actions"][number]["action"],
      channel: r.channel as ApprovalItem["actions"][number]["channel"],
      ...(r.action === "credit_note" && r.detail ? { amountCents: Number(r.detail.amountCents), invoices: (r.detail.invoices ?? "").split(",") } : {}),
    });
    item.decidedBy = decidedBy(item.actions.map((a) => a.action));
  }
  return [...items.values()];
}

/**
 * Approves or rejects waiting steps, all or nothing: every id must be waiting, at the user's sites, and theirs
 * to decide (a contract end needs a Manager). Approved actions are carried out at once; messages go to the
 * outbox's queue.
 */
export async function decide(db: Database, user: SessionUser, scope: Scope, body: DecisionBody, now: Date, today: string): Promise<number> {
  officeOnly(user.role, "Les validations sont faites par le bureau ou le Manager.");
  return db.transaction(
    async (tx) => {
      const rows = await tx.select().from(plannedActions).where(inArray(plannedActions.id, body.ids));
      const missing = body.ids.filter((id) => !rows.some((r) => r.id === id));
      if (missing.length > 0) throw new AppError("NOT_FOUND", `Unknown planned action: ${missing.slice(0, 5).join(", ")}`, { missing });
      const decided = rows.filter((r) => r.status !== "awaiting_approval");
      if (decided.length > 0) {
        throw new AppError("CONFLICT", `Already decided or no longer waiting: ${decided.map((r) => `${r.step} (${r.status})`).join(", ")}`, { ids: decided.map((r) => r.id) });
      }
      const visible = await tx.all<{ customer_id: string }>(sql`
        select distinct ct.customer_id from contracts ct join units u on u.id = ct.unit_id
        where ${inArray(sql.raw("ct.customer_id"), [...new Set(rows.map((r) => r.customerId))])} and ${inScope(scope, sql.raw("u.site_id"))}`);
      const seen = new Set(visible.map((v) => v.customer_id));
      const outside = rows.filter((r) => !seen.has(r.customerId));
      if (outside.length > 0) throw new AppError("NOT_FOUND", "Some of these steps are not at your sites", { ids: outside.map((r) => r.id) });
      if (user.role !== "manager") {
        const managers = rows.filter((r) => MANAGER_ONLY.includes(r.action));
        if (managers.length > 0) throw new AppError("FORBIDDEN", "Une fin de contrat et les avoirs sont décidés par le Manager.", { ids: managers.map((r) => r.id) });
      }
      // Rejected, or approved: a message approved goes to the outbox now; the rest is done now.
      const statusOf = (r: (typeof rows)[number]) => (body.decision === "reject" ? "rejected" : r.action === "message" ? "approved" : "done");
      for (const status of ["rejected", "approved", "done"] as const) {
        const ids = rows.filter((r) => statusOf(r) === status).map((r) => r.id);
        if (ids.length > 0) await tx.update(plannedActions).set({ status }).where(inArray(plannedActions.id, ids));
      }
      if (body.decision === "approve") await carryOutAll(tx, rows, now, today, { userId: user.id, initials: user.initials });
      await markCustomersChanged(tx, [...new Set(rows.map((r) => r.customerId))]);
      return rows.length;
    },
    { behavior: "immediate" },
  );
}
