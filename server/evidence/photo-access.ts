import { sql } from "drizzle-orm";
import type { Scope } from "../auth/scope";
import type { Database } from "../db/client";

/**
 * Who may see a photo. A photo has no site of its own: it belongs to the sites of what names it — an evidence
 * record (its customer's sites and its box's), a history line that carries it (the AR card of a registered letter),
 * or the box the photo row is filed under. A user sees it when one of those sites is theirs (the office: any named
 * photo). A photo nothing names yet (the phone sends photos and actions separately, in either order) is seen only
 * by whoever uploaded it. Anything else is answered as if the photo did not exist, so its existence is not revealed.
 */

export interface Viewer {
  userId: string;
  scope: Scope;
}

/** `"<sha>"` as it stands in a JSON array of hashes: an exact match, cheaper than unpacking every array. */
const quoted = (sha: string) => `"${sha}"`;

/**
 * The sites of each thing that may name a photo, most common first: evidence records (their customer's sites and
 * their box's), the box a photo row is filed under, the history line of an AR card (its site and its customer's). A row with a null site still
 * names the photo (a record whose customer rents nowhere any more: the office's alone).
 */
const NAMED_BY = [
  (sha: string) => sql`
    select u.site_id as site from evidence_records e
      left join contracts ct on ct.customer_id = e.customer_id left join units u on u.id = ct.unit_id
      where instr(e.photos, ${quoted(sha)}) > 0
    union all
    select u.site_id from evidence_records e join units u on u.id = e.unit_id where instr(e.photos, ${quoted(sha)}) > 0`,
  (sha: string) => sql`select u.site_id as site from photos p left join units u on u.id = p.unit_id where p.sha256 = ${sha} and p.unit_id is not null`,
  (sha: string) => sql`
    with hit as (select a.site_id, a.customer_id from actions a where instr(a.data, ${sha}) > 0 and json_extract(a.data, '$.photoSha256') = ${sha})
    select site_id as site from hit
    union all
    select u.site_id from hit join contracts ct on ct.customer_id = hit.customer_id join units u on u.id = ct.unit_id`,
];

/** Whether something names the photo, and whether one of those is at the scope's sites; stops at the first that is. */
export async function photoNaming(db: Database, sha: string, scope: Scope): Promise<{ named: boolean; inScope: boolean }> {
  let named = false;
  for (const query of NAMED_BY) {
    const rows = await db.all<{ site: string | null }>(query(sha));
    if (rows.length === 0) continue;
    named = true;
    if (scope.all || rows.some((r) => r.site !== null && scope.siteIds.includes(r.site))) return { named, inScope: true };
  }
  return { named, inScope: false };
}

/**
 * Whether the viewer may read the photo's bytes: named at one of their sites, or named nowhere and uploaded by them
 * (`uploadedBy`: the photo row's uploader, and whoever later proved they hold the same bytes).
 */
export async function canSeePhoto(db: Database, sha: string, viewer: Viewer, uploadedBy: (userId: string) => Promise<boolean> | boolean): Promise<boolean> {
  const naming = await photoNaming(db, sha, viewer.scope);
  if (naming.named) return naming.inScope;
  return uploadedBy(viewer.userId);
}

/**
 * Of these photos, the ones something names (the same places as `NAMED_BY`), in a few scans rather than one
 * per photo: for counting a user's photos that nothing names.
 */
export async function referencedAmong(db: Database, shas: readonly string[]): Promise<Set<string>> {
  if (shas.length === 0) return new Set();
  const list = sql.join(
    shas.map((s) => sql`${s}`),
    sql`, `,
  );
  const rows = await db.all<{ sha: string }>(sql`
    select distinct j.value as sha from evidence_records e, json_each(e.photos) j where j.value in (${list})
    union
    select p.sha256 from photos p where p.sha256 in (${list}) and p.unit_id is not null
    union
    select json_extract(a.data, '$.photoSha256') from actions a where json_extract(a.data, '$.photoSha256') in (${list})`);
  return new Set(rows.map((r) => r.sha));
}
