import { readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@libsql/client";
import { runInWorker } from "../worker-thread";
import { copyServerDatabase } from "./dump";

/**
 * A consistent copy of a live database (a file here; a libSQL server's is read from its dump, `dump.ts`), and what
 * of the stored files it names. `VACUUM INTO` reads the database in one read transaction — WAL lets the server's
 * writers go on meanwhile — and writes a compact copy holding exactly what was committed when it began: a push or an import still under way is in it whole or not at all. The files
 * to back up with it are read from that copy, not from the live database, so that the two agree: the photos its
 * `photos` table lists (their bytes are written at their final path before the row, so each is there whole), the
 * printed letters its `letter_batches` / `letter_prints` name (stored before they are recorded, with their hash),
 * and the e-mails and SMS written to DATA_DIR/outbox/ its messages point at (`provider_id` `file:…`, set once the
 * file is written). Unfinished uploads (DATA_DIR/blobs/partial/) and anything else are not named, so not kept.
 */
export interface SnapshotContents {
  photos: { sha256: string; size: number }[];
  /** Relative to DATA_DIR, with the hash the database recorded for it when it has one. */
  files: { path: string; sha256: string | null }[];
  migrations: { applied: number; last: string | null };
}

/** The database to back up: a file this process opens, or a libSQL server (`DATABASE_URL=http://…`) it reaches. */
export type DatabaseSource = { file: string } | { server: string; authToken?: string };

export type Snapshotter = (source: DatabaseSource, target: string) => Promise<SnapshotContents>;

const MIGRATIONS_JOURNAL = resolve(dirname(fileURLToPath(import.meta.url)), "..", "db", "migrations", "meta", "_journal.json");

/** The migrations this code knows, in order (drizzle's journal): their tags, and when each was generated. */
export function knownMigrations(): { tag: string; when: number }[] {
  return (JSON.parse(readFileSync(MIGRATIONS_JOURNAL, "utf8")) as { entries: { tag: string; when: number }[] }).entries;
}

/**
 * In this thread: the command line. The driver answers synchronously, so a server uses `snapshotInWorker`. A file is
 * copied by `VACUUM INTO`; a libSQL server's database by its SQL dump, loaded into a fresh file (`dump.ts`): the
 * same backup either way, a SQLite file of what was committed at one moment.
 */
export const snapshotInProcess: Snapshotter = async (source, target) => {
  rmSync(target, { force: true });
  if ("server" in source) await copyServerDatabase({ url: source.server, authToken: source.authToken }, target);
  else {
    const live = createClient({ url: `file:${source.file}`, timeout: 5_000 });
    try {
      await live.execute({ sql: "VACUUM INTO ?", args: [target] });
    } finally {
      live.close();
    }
  }
  const copy = createClient({ url: `file:${target}` });
  try {
    // A single file, with no -wal beside it: what is hashed is all there is.
    await copy.execute("PRAGMA journal_mode = DELETE");
    const photos = await copy.execute("SELECT sha256, size_bytes FROM photos ORDER BY sha256");
    // Letters as printed, and the ZIPs given at hand-overs (kept in the blob store by their hash).
    const letters = await copy.execute(
      "SELECT file, sha256 FROM letter_batches UNION SELECT file, sha256 FROM letter_prints" +
        " UNION SELECT 'blobs/' || substr(zip_sha256, 1, 2) || '/' || substr(zip_sha256, 3, 2) || '/' || zip_sha256, zip_sha256 FROM hand_overs ORDER BY 1",
    );
    const written = await copy.execute("SELECT provider_id FROM messages WHERE provider_id LIKE 'file:%' ORDER BY 1");
    const applied = await copy.execute("SELECT created_at FROM __drizzle_migrations ORDER BY created_at");
    const last = applied.rows.at(-1)?.created_at;
    return {
      photos: photos.rows.map((r) => ({ sha256: String(r.sha256), size: Number(r.size_bytes) })),
      files: [
        ...letters.rows.map((r) => ({ path: String(r.file), sha256: String(r.sha256) })),
        ...written.rows.map((r) => ({ path: join("outbox", String(r.provider_id).slice("file:".length)), sha256: null })),
      ],
      migrations: { applied: applied.rows.length, last: last === undefined ? null : (knownMigrations().find((m) => m.when === Number(last))?.tag ?? String(last)) },
    };
  } finally {
    copy.close();
  }
};

/**
 * In a worker thread with its own connection: `VACUUM INTO`, or loading a server's dump into the copy, holds the
 * calling thread for as long as it copies (the driver is synchronous), and the server must keep answering phones.
 */
export const snapshotInWorker: Snapshotter = (source, target) =>
  runInWorker<SnapshotContents>(new URL("./snapshot-worker.ts", import.meta.url), { source, target }, (m: { contents?: SnapshotContents; fault?: string }, settle) => {
    if (m.contents) settle.resolve(m.contents);
    else settle.reject(new Error(m.fault ?? "snapshot failed"));
  });
