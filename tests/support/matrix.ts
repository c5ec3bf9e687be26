import { sql } from "drizzle-orm";
import type { Database } from "../../server/db/client";

// The machinery of the authorization matrix (tests/integration/authorization-matrix.test.ts): who asks, what each
// kind of route answers them, and the checks made on every answer — the refusal's exact status and code, no data of
// another site in an answer given to someone held to their sites, nothing written by a GET.

/**
 * Who asks, and about which site's object: the site manager and the Manager work on one site ("own"), and are
 * also asked about an object of the other site ("other"). The office sees every site and is asked about the
 * other site's objects. In this order: refusals first, so that an allowed change never hides a refusal's check.
 */
export const COLUMNS = ["anonymous", "siteManagerOther", "managerOther", "siteManagerOwn", "managerOwn", "office"] as const;
export type Column = (typeof COLUMNS)[number];

/** A custom expectation: the status, and what the body must say (null when it does, else why not). */
export interface Check {
  status: number;
  body: (body: any) => string | null;
  says: string;
}

/**
 * `"ok"`: the route did its work (a status of the line's `ok`, 2xx by default); 401 `UNAUTHENTICATED`, 403
 * `FORBIDDEN` (a role's refusal) and 404 `NOT_FOUND` (another site's object: as if it did not exist) are refusals.
 */
export type Expect = "ok" | 401 | 403 | 404 | Check;
export type Rule = Readonly<Record<Column, Expect>>;

const rule = (anonymous: Expect, siteManagerOwn: Expect, siteManagerOther: Expect, managerOwn: Expect, managerOther: Expect, office: Expect): Rule => ({
  anonymous,
  siteManagerOwn,
  siteManagerOther,
  managerOwn,
  managerOther,
  office,
});

/** The routes a browser reaches before signing in: health, sign-in, password links, the first run. */
export const publicRoute = rule("ok", "ok", "ok", "ok", "ok", "ok");
/** Anyone signed in; nothing of a site in the path (lists are checked to hold the user's sites only). */
export const anySignedIn = rule(401, "ok", "ok", "ok", "ok", "ok");
/** An object of a site: the people of that site and the office; anyone else is told it does not exist. */
export const sitesScoped = rule(401, "ok", 404, "ok", 404, "ok");
/** Office work with nothing of a site in the path: the office and the Manager; the site manager gets 403. */
export const officeAndManager = rule(401, 403, 403, "ok", "ok", "ok");
/** Office work on an object of a site: 403 to the site manager, 404 to a Manager of another site. */
export const officeAndManagerScoped = rule(401, 403, 403, "ok", 404, "ok");
/**
 * Data of every site at once (the billing software's files and their reports): the office, or a Manager of every
 * site — the matrix's Manager works on one site, so he is refused; the demo's two-site Manager is allowed
 * (tests/integration/import.test.ts).
 */
export const everySite = rule(401, 403, 403, 403, 403, "ok");
/** The office alone (sites, the audit log). */
export const officeOnly = rule(401, 403, 403, 403, 403, "ok");

/** A rule with some of its answers changed: each change is a decision the line's comment explains. */
export function except(base: Rule, changes: Partial<Record<Column, Expect>>): Rule {
  return { ...base, ...changes };
}

export interface Request {
  path?: Record<string, string>;
  query?: Record<string, string>;
  /** A JSON body. */
  body?: unknown;
  /** Any other body, with its content type. */
  raw?: { bytes: Uint8Array | string; type: string };
  /** A cookie of its own for this request (a session made for it), instead of the column's. */
  cookie?: string;
}

export const REFUSAL_CODES = { 401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND" } as const;

export interface Answer {
  status: number;
  type: string;
  text: string;
  json: any;
}

export async function send(baseUrl: string, method: string, path: string, req: Request, cookie: string | undefined): Promise<Answer> {
  const url = new URL(`${baseUrl}/api${path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = req.path?.[name];
    if (value === undefined) throw new Error(`${method} ${path}: no value for {${name}}`);
    return encodeURIComponent(value);
  })}`);
  for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = {};
  const useCookie = req.cookie ?? cookie;
  if (useCookie) headers.cookie = useCookie;
  let body: BodyInit | undefined;
  if (req.raw) {
    headers["content-type"] = req.raw.type;
    body = req.raw.bytes as BodyInit;
  } else if (req.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(req.body);
  }
  const res = await fetch(url, { method, headers, body });
  const type = res.headers.get("content-type") ?? "";
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = /json|text|csv/.test(type) ? new TextDecoder().decode(bytes) : "";
  let json: unknown = null;
  if (type.includes("json")) {
    try {
      json = JSON.parse(text);
    } catch {
      // left null: the check below names the status and what came back
    }
  }
  return { status: res.status, type, text, json };
}

/** Null when the answer is what the matrix expects, else what went wrong. */
export function judge(expect: Expect, answer: Answer, okStatuses: readonly number[] | undefined): string | null {
  const got = `${answer.status} ${answer.json?.error?.code ?? ""} ${answer.json?.error?.message ?? answer.text.slice(0, 120)}`.trim();
  if (expect === "ok") {
    // A refusal is never the route's work, even when the route may answer that status for another reason (a wrong
    // current password is a 401 too, but INVALID_CREDENTIALS).
    const refused = Object.entries(REFUSAL_CODES).some(([status, code]) => answer.status === Number(status) && answer.json?.error?.code === code);
    const ok = !refused && (okStatuses ? okStatuses.includes(answer.status) : answer.status >= 200 && answer.status < 300);
    return ok ? null : `expected ${okStatuses ? okStatuses.join("/") : "2xx"}, got ${got}`;
  }
  if (typeof expect === "number") {
    const code = REFUSAL_CODES[expect];
    return answer.status === expect && answer.json?.error?.code === code ? null : `expected ${expect} ${code}, got ${got}`;
  }
  if (answer.status !== expect.status) return `expected ${expect.status} (${expect.says}), got ${got}`;
  const why = expect.body(answer.json);
  return why === null ? null : `expected ${expect.says}: ${why}`;
}

/** The tables a GET may write: the session's last use, and the audit line of a download. */
const WRITES_ALLOWED_ON_GET = new Set(["sessions", "audit_log"]);

/**
 * Triggers recording every insert, update and delete in the test's database, so that a GET that changes data
 * is named with the table it wrote. Test databases only.
 */
export async function watchWrites(db: Database): Promise<{ reset(): Promise<void>; written(): Promise<string[]> }> {
  await db.run(sql.raw("create table if not exists matrix_writes (tbl text not null, op text not null)"));
  const tables = (await db.all<{ name: string }>(sql.raw("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '\\_\\_%' escape '\\' and name <> 'matrix_writes'"))).map((t) => t.name);
  for (const t of tables) {
    if (WRITES_ALLOWED_ON_GET.has(t)) continue;
    for (const op of ["insert", "update", "delete"]) {
      await db.run(sql.raw(`create trigger if not exists "matrix_${t}_${op}" after ${op} on "${t}" begin insert into matrix_writes values ('${t}', '${op}'); end`));
    }
  }
  return {
    reset: async () => {
      await db.run(sql.raw("delete from matrix_writes"));
    },
    written: async () => [...new Set((await db.all<{ tbl: string; op: string }>(sql.raw("select tbl, op from matrix_writes"))).map((w) => `${w.op} ${w.tbl}`))],
  };
}

/** The markers of another site's data found in an answer's text, except those the request itself sent (an echo). */
export function leaks(text: string, markers: ReadonlyMap<string, string>, sent: string): string[] {
  const found: string[] = [];
  for (const [marker, what] of markers) if (text.includes(marker) && !sent.includes(marker)) found.push(`${what} (${marker})`);
  return found;
}
