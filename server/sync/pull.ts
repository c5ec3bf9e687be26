import { createHash } from "node:crypto";
import { and, gt, lte } from "drizzle-orm";
import type { SessionUser } from "../../shared/schemas/auth";
import type { PullBody, PullResponse } from "../../shared/schemas/debtor-doc";
import { inScope, type Scope } from "../auth/scope";
import type { Database, Transaction } from "../db/client";
import { buildDebtorDocs, floorCustomerIds } from "../debtors/docs";
import { floorMessagingAt } from "../messaging/floor";
import { feedBounds } from "./changes";
import { knownClient, registerClient } from "./push";
import { syncChanges } from "./sync.sql";

/** Documents a pull answers at most; the phone asks for the next page while `hasMore`. */
export const PULL_PAGE_SIZE = 500;
/**
 * Documents on the first page of a first sync (any reset): a new phone shows its list as soon as one page is stored,
 * and on slow 4G (150 ms, 1.6 Mbit/s, a CPU 4× slower) 100 debtors come down and are stored in about a third of the
 * time 500 take. The later pages are full ones; the phone asks for each while it stores the one before.
 */
export const FIRST_PULL_PAGE_SIZE = 100;

/** How many documents this page holds: a first sync's first page is small, every other one full. */
export function pageSizeFor(reset: boolean, firstPage: boolean, sizes: { pageSize?: number; firstPageSize?: number } = {}): number {
  const full = sizes.pageSize ?? PULL_PAGE_SIZE;
  return reset && firstPage ? Math.min(full, sizes.firstPageSize ?? FIRST_PULL_PAGE_SIZE) : full;
}

export interface PullRequest extends PullBody {
  user: SessionUser;
  scope: Scope;
  asOf: string;
  now: Date;
  /** Documents a page, and on a reset's first page: `PULL_PAGE_SIZE` and `FIRST_PULL_PAGE_SIZE` unless a test
   * wants many pages from little data. */
  pageSize?: number;
  firstPageSize?: number;
}

/**
 * What changed in the user's scope since the phone's cursor: the documents of the customers changed since then
 * (all of them on a reset), and the customers no longer followed. A cursor carries the version it was cut at and
 * a fingerprint of the user's sites, so a phone whose user changed sites, a phone never seen, or a cursor the
 * server cannot read, starts again from everything. The floor's message templates come along when they changed
 * since the phone's copy (`templates`, their fingerprint), and always on a reset.
 */
export async function pullChanges(db: Database, req: PullRequest): Promise<PullResponse> {
  const scopeKey = scopeFingerprint(req.scope);
  // Writes nothing: on a file a read-only transaction that takes no lock, so pulls never queue behind pushes
  // (on a libSQL server a short write one: see openDatabase).
  const { response, client } = await db.transaction(
    async (tx) => {
      const client = await knownClient(tx, { clientId: req.clientId, user: req.user, now: req.now });
      const page = req.page ? decodePage(req.page) : null;
      const bounds = page ? null : await feedBounds(tx);
      const cursor = parseCursor(req.cursor);
      const reset = page ? page.reset : client.isNew || !cursor || cursor.scope !== scopeKey || missedCompactedChanges(bounds!.oldest, cursor.version);
      const snapshot = page ? page.snapshot : bounds!.newest;
      const since = page ? page.since : reset ? 0 : cursor!.version;

      // One more than a page, to know whether another follows.
      const pageSize = pageSizeFor(reset, !page, req);
      const slice = { after: page?.after ?? null, limit: pageSize + 1 };
      const candidates = reset ? await floorCustomerIds(tx, req.scope, slice) : since >= snapshot ? [] : await changedCustomerIds(tx, req.scope, since, snapshot, slice);
      const ids = candidates.slice(0, pageSize);
      const docs = ids.length > 0 ? await buildDebtorDocs(tx, req.scope, ids, req.asOf) : [];
      const sent = new Set(docs.map((d) => d.customerId));
      const hasMore = candidates.length > ids.length;
      // The floor's templates ride on the first page, when the phone's copy is missing or out of date.
      const templates = page ? null : await floorMessagingAt(db, tx, req.scope, scopeKey, bounds!.floor);
      const response: PullResponse = {
        reset,
        docs,
        removed: reset ? [] : ids.filter((id) => !sent.has(id)),
        cursor: `${snapshot}.${scopeKey}`,
        hasMore,
        nextPage: hasMore ? encodePage({ reset, snapshot, since, after: ids.at(-1)! }) : null,
        lastSeq: client.lastSeq,
        asOf: req.asOf,
        ...(templates && (reset || templates.version !== req.templates) ? { templates } : {}),
      };
      return { response, client };
    },
    { behavior: "deferred" },
  );
  // A phone's first pull writes its row, apart: a write in the read above would wait for the lock it avoids.
  if (client.isNew) await registerClient(db, client);
  return response;
}

/** The customers changed in the scope between two versions, in id order, one page of them. */
async function changedCustomerIds(tx: Transaction, scope: Scope, since: number, upTo: number, page: { after: string | null; limit: number }): Promise<string[]> {
  const rows = await tx
    .selectDistinct({ id: syncChanges.customerId })
    .from(syncChanges)
    .where(
      and(
        gt(syncChanges.version, since),
        lte(syncChanges.version, upTo),
        inScope(scope, syncChanges.siteId),
        page.after ? gt(syncChanges.customerId, page.after) : undefined,
      ),
    )
    .orderBy(syncChanges.customerId)
    .limit(page.limit);
  return rows.map((r) => r.id);
}

/** True when changes after `version` were already compacted away (see `compactChanges`). */
function missedCompactedChanges(oldest: number | null, version: number): boolean {
  return oldest !== null && version < oldest - 1;
}

function scopeFingerprint(scope: Scope): string {
  const key = scope.all ? "all" : [...scope.siteIds].sort().join(",");
  return createHash("sha256").update(key).digest("base64url").slice(0, 12);
}

function parseCursor(cursor: string | null | undefined): { version: number; scope: string } | null {
  const m = cursor ? /^(\d+)\.([\w-]{12})$/.exec(cursor) : null;
  return m ? { version: Number(m[1]), scope: m[2]! } : null;
}

interface Page {
  reset: boolean;
  snapshot: number;
  since: number;
  after: string;
}

function encodePage(page: Page): string {
  return Buffer.from(JSON.stringify(page)).toString("base64url");
}

function decodePage(token: string): Page | null {
  try {
    const p = JSON.parse(Buffer.from(token, "base64url").toString()) as Page;
    return typeof p.snapshot === "number" && typeof p.since === "number" && typeof p.after === "string" && typeof p.reset === "boolean" ? p : null;
  } catch {
    return null;
  }
}

