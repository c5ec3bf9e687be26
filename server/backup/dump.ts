import { rmSync } from "node:fs";
import { createClient } from "@libsql/client";

/**
 * A consistent copy of a database on a libSQL server (sqld), written into a fresh local file. sqld's `GET /dump`
 * writes the whole database as SQL text from ONE read transaction (libsql-server's `export_dump`: a deferred
 * transaction, then every `SELECT`): exactly what was committed when it began, a push or an import under way whole
 * or not at all, while the server's writers go on (WAL). Its text is read as it comes and executed into the file in
 * batches of about a megabyte, so memory holds a batch and one statement — a 1 GB database is never 1 GB of text in
 * memory; what it costs is time (the dump's read transaction stays open while the file is written, and sqld's WAL
 * grows meanwhile). Each batch is a transaction of its own on the new file (the client hands each call its own
 * pooled connection, which must not carry one open), foreign keys off as in the dump; the file is whole only once
 * the dump's own `COMMIT` arrived: a dump cut short (sqld stopped, the connection lost) never reaches it, is
 * refused, and its file deleted — nothing reads it before the backup is renamed into place. A read transaction holds
 * no write lock, so sqld's 5 s transaction timeout (for a writer holding the lock while another waits) does not cut it.
 *
 * Limits: text holding a NUL character is loaded through `char(0)` (the dump writes it raw, which SQLite's parser
 * cannot read); text that is not valid UTF-8 makes sqld end the dump, and the backup fails saying so.
 */
export async function copyServerDatabase(server: { url: string; authToken?: string }, target: string): Promise<void> {
  const url = dumpUrl(server.url);
  let res: Response;
  try {
    res = await fetch(url, { headers: server.authToken ? { authorization: `Bearer ${server.authToken}` } : {} });
  } catch (e) {
    throw new Error(`The libSQL server ${redact(server.url)} did not answer GET /dump: ${String((e as Error & { cause?: unknown }).cause ?? (e as Error).message)}`);
  }
  if (!res.ok || !res.body) throw new Error(`The libSQL server ${redact(server.url)} refused GET /dump: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);

  rmSync(target, { force: true });
  const local = createClient({ url: `file:${target}` });
  const splitter = new StatementSplitter();
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let batch: string[] = [];
  let batchLength = 0;
  let seen = 0;
  let committed = false;
  const run = async (statements: string[]) => {
    for (const s of statements) {
      const head = s.trimStart().slice(0, 20).toUpperCase();
      // The dump's frame: it must open as sqld writes it and end with its COMMIT (else it was cut short).
      if (seen === 0 && !head.startsWith("PRAGMA FOREIGN_KEYS")) throw new Error(`GET /dump from ${redact(server.url)} does not start as a dump: ${s.slice(0, 80)}`);
      if (seen === 1 && !head.startsWith("BEGIN")) throw new Error(`GET /dump from ${redact(server.url)} is not one transaction: ${s.slice(0, 80)}`);
      seen++;
      if (committed) throw new Error(`GET /dump from ${redact(server.url)} goes on after its COMMIT`);
      if (/^COMMIT\s*;?\s*$/i.test(s.trim())) {
        committed = true;
        continue;
      }
      // The dump's frame is replaced by each batch's own.
      if (seen <= 2) continue;
      batch.push(s);
      batchLength += s.length;
    }
    if (batch.length > 0 && (batchLength >= BATCH_CHARS || committed)) {
      // `migrate`: foreign keys off, one transaction, each statement prepared alone (`executeMultiple` re-reads the
      // rest of its text at each statement: quadratic on a megabyte).
      await local.migrate(batch);
      batch = [];
      batchLength = 0;
    }
  };
  try {
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) await run(splitter.push(decoder.decode(chunk, { stream: true })));
      await run(splitter.push(decoder.decode()));
    } catch (e) {
      if (e instanceof TypeError && /terminated|network|socket/i.test(String(e.message))) {
        throw new Error(`The dump from ${redact(server.url)} was cut short (${e.message}): nothing kept`);
      }
      throw e;
    }
    const rest = splitter.end();
    if (rest.trim() !== "" || !committed) throw new Error(`The dump from ${redact(server.url)} ended before its COMMIT (the server stopped or failed mid-way): nothing kept`);
  } catch (e) {
    local.close();
    rmSync(target, { force: true });
    throw e;
  }
  local.close();
}

/** Statements executed together against the local file: few calls, and little text held at once. */
const BATCH_CHARS = 1 << 20;

/** `GET /dump` of the server DATABASE_URL names: libsql:// is https (http with `tls=0`), ws(s) its http(s). */
export function dumpUrl(databaseUrl: string): string {
  const u = new URL(databaseUrl);
  const tls = u.searchParams.get("tls");
  const protocol = { "libsql:": tls === "0" ? "http:" : "https:", "ws:": "http:", "wss:": "https:", "http:": "http:", "https:": "https:" }[u.protocol];
  if (!protocol) throw new Error(`${redact(databaseUrl)} is not a libSQL server URL`);
  return `${protocol}//${u.host}${u.pathname.replace(/\/$/, "")}/dump`;
}

/** A URL as said in messages and manifests: no user or password in it. */
export function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//…@");
}

/**
 * Cuts SQL text arriving in pieces into whole statements, as SQLite's `sqlite3_complete` would: a `;` ends one
 * unless it is in a quoted string or name, a comment, or the body of a `CREATE TRIGGER … BEGIN … END` (counted with
 * its `CASE … END`s). A NUL inside a string literal (which SQLite's parser stops at) becomes `'||char(0)||'`.
 */
export class StatementSplitter {
  private carry = "";
  /** The last character of a piece when it may start a two-character token (a comment's start or end): read with the next. */
  private pending = "";
  /** 0 code, 1 '…', 2 "…", 3 `…`, 4 […], 5 -- comment, 6 block comment. */
  private state = 0;
  private word = "";
  /** The statement's first words (up to 3): `CREATE [TEMP] TRIGGER` is the one whose `;`s do not all end it. */
  private head: string[] = [];
  private trigger = false;
  private sawBegin = false;
  /** BEGIN and each CASE open, END closes: the trigger ends at the `;` after its own END. */
  private depth = 0;

  push(piece: string): string[] {
    const text = this.pending + piece;
    this.pending = "";
    const out: string[] = [];
    let start = 0;
    let n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      const twoChar = (c === 0x2d || c === 0x2f) && this.state === 0 || (c === 0x2a && this.state === 6);
      if (twoChar && i === n - 1 && piece !== "") {
        this.pending = text[i]!;
        n = i;
        break;
      }
      switch (this.state) {
        case 0:
          if (isWordChar(c)) {
            if (this.head.length < 3 || this.trigger) this.word += text[i];
            continue;
          }
          if (this.word !== "") this.endWord();
          if (c === 0x27) this.state = 1;
          else if (c === 0x22) this.state = 2;
          else if (c === 0x60) this.state = 3;
          else if (c === 0x5b) this.state = 4;
          else if (c === 0x2d && text.charCodeAt(i + 1) === 0x2d) this.state = 5;
          else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2a) {
            this.state = 6;
            i++;
          } else if (c === 0x3b && (!this.trigger || (this.sawBegin && this.depth === 0))) {
            out.push(this.carry + text.slice(start, i + 1));
            this.carry = "";
            start = i + 1;
            this.head = [];
            this.trigger = false;
            this.sawBegin = false;
            this.depth = 0;
          }
          break;
        case 1:
          if (c === 0x27) this.state = 0; // a doubled '' leaves and re-enters: the same in the end
          else if (c === 0) {
            this.carry += text.slice(start, i) + "'||char(0)||'";
            start = i + 1;
          }
          break;
        case 2:
          if (c === 0x22) this.state = 0;
          break;
        case 3:
          if (c === 0x60) this.state = 0;
          break;
        case 4:
          if (c === 0x5d) this.state = 0;
          break;
        case 5:
          if (c === 0x0a) this.state = 0;
          break;
        case 6:
          if (c === 0x2a && text.charCodeAt(i + 1) === 0x2f) {
            this.state = 0;
            i++;
          }
          break;
      }
    }
    this.carry += text.slice(start, n);
    return out;
  }

  /** What is left once the text is over: whitespace after the last statement, or an unfinished one. */
  end(): string {
    return this.carry + this.pending;
  }

  private endWord(): void {
    const w = this.word.toUpperCase();
    this.word = "";
    if (this.head.length < 3) {
      this.head.push(w);
      // Only CREATE … can be a trigger: any other statement stops looking at its words at once.
      if (this.head[0] !== "CREATE") this.head.push("", "");
      else if (w === "TRIGGER") this.trigger = true;
    }
    if (!this.trigger) return;
    if (w === "BEGIN") {
      this.sawBegin = true;
      this.depth++;
    } else if (this.sawBegin && w === "CASE") this.depth++;
    else if (this.sawBegin && w === "END" && this.depth > 0) this.depth--;
  }
}

function isWordChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c >= 0x80;
}
