import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createClient, type Client } from "@libsql/client";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { todayIn } from "../../shared/dates";
import { MUTATION_VERSION } from "../../shared/schemas/mutations";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { createBackup, databaseSource } from "../../server/backup/backup";
import { listBackups } from "../../server/backup/prune";
import { restoreBackup } from "../../server/backup/restore";
import type { Clock } from "../../server/context";
import { openStore } from "../../server/storage/store";
import { loadConfig } from "../../server/env";
import { pngImage } from "../support/images";
import { startLocalS3, type LocalS3 } from "../support/s3";
import { startSqld, type Sqld } from "../support/sqld";
import { call, signIn, startTestServer, TEST_NOW, TEST_TODAY, type TestServer } from "../support/server";

// Issue 18: backups of a database on a libSQL server (sqld, `DATABASE_URL=http://…`) with its photos and letters in
// object storage (s3rver). The backup is the same as a file's — a SQLite file and its manifest — taken from sqld's
// dump in one read transaction while a phone pushes, with every photo and letter copied from the bucket and checked
// against its hash. Restored into a file and an empty bucket, loaded into a new sqld as the README says, it serves
// the photos again through the API. Several processes on one sqld take one daily backup between them.

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const key = (hash: string) => `lyon/blobs/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`;
const tmp = mkdtempSync(join(tmpdir(), "cadenas-backup-sqld-"));
const photo = pngImage(64, 48, { noise: true });

let sqld: Sqld;
let s3: LocalS3;
let server: TestServer;
let live: Client;
let vt: string;
let office: string;
const clientId = uuidv7();
let seq = 0;

const cli = (script: string, args: string[], env: Record<string, string>) =>
  promisify(execFile)(process.execPath, ["--import", "tsx", `server/cli/${script}.ts`, ...args], { env: { ...process.env, ...env } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
const push = (kind: string, payload: unknown) =>
  call(server.url, "POST", "/api/sync/push", { cookie: vt, body: { clientId, mutations: [{ id: uuidv7(), seq: ++seq, v: MUTATION_VERSION, kind, payload, happenedAt: TEST_NOW.toISOString() }] } });
const pull = async () => (await call<{ docs: DebtorDoc[] }>(server.url, "POST", "/api/sync/pull", { cookie: vt, body: { clientId, cursor: null, page: null } })).body.docs;

async function tableCounts(client: Client): Promise<Record<string, number>> {
  const tables = (await client.execute("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")).rows.map((r) => String(r.name));
  const counts: Record<string, number> = {};
  for (const t of tables) counts[t] = Number((await client.execute(`SELECT count(*) AS n FROM "${t}"`)).rows[0]!.n);
  return counts;
}

beforeAll(async () => {
  sqld = await startSqld();
  s3 = await startLocalS3({ prefix: "lyon" });
  server = await startTestServer({ env: { DATABASE_URL: sqld.url, ...s3.env } });
  live = createClient({ url: sqld.url });
  [vt, office] = await Promise.all([signIn(server.url, "gestionnaire@demo.test"), signIn(server.url, "bureau@demo.test")]);
  // A padlock placed with its photo, the photo sent (into the bucket), and letters printed (into the bucket too).
  const unit = (await pull()).flatMap((d) => d.units).find((u) => u.padlock === "none")!;
  expect((await push("padlock.placed", { unitId: unit.id, padlockNumber: "7070", photos: [sha(photo)] })).body.results[0].status).toBe("applied");
  expect((await fetch(`${server.url}/api/blobs/${sha(photo)}`, { method: "PUT", headers: { cookie: vt }, body: photo as unknown as BodyInit })).status).toBe(200);
  expect(await s3.keys("lyon/blobs/")).toContain(key(sha(photo)));
  const { runEngineDay } = await import("../../server/engine/run");
  await runEngineDay(server.services.db, { asOf: TEST_TODAY, dryRun: false, now: server.services.clock.now() });
  expect((await call(server.url, "POST", "/api/letters/print", { cookie: office, body: {} })).status).toBe(200);
  expect((await s3.keys("lyon/letters/")).length).toBeGreaterThan(0);
}, 120_000);
afterAll(async () => {
  live?.close();
  await server?.close();
  await s3?.close();
  await sqld?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe("a backup of a database on sqld with its photos in a bucket", () => {
  let backup: string;

  it("is taken while a phone pushes: one moment of the database, every photo and letter copied from the bucket", async () => {
    const backupDir = join(tmp, "backups");
    const customerIds = (await pull()).map((d) => d.customerId);
    let running = true;
    let pushed = 0;
    const pushing = (async () => {
      while (running) {
        expect((await push("note.added", { customerId: customerIds[pushed % customerIds.length], text: `pendant ${pushed}` })).body.results[0].status).toBe("applied");
        pushed++;
      }
    })();
    const env = { DATABASE_URL: sqld.url, DATA_DIR: server.dir, BACKUP_DIR: backupDir, NOW: TEST_NOW.toISOString(), ...s3.env };
    const result = await cli("backup", [], env);
    running = false;
    await pushing;
    expect(result.code, result.stderr).toBe(0);
    expect(pushed).toBeGreaterThan(0);
    backup = /Backup written: (\S+)/.exec(result.stdout)![1]!;

    const manifest = JSON.parse(readFileSync(join(backup, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ format: "cadenas-backup/1", source: { databaseServer: sqld.url, storage: "s3://cadenas/lyon" }, database: { file: "database.db", name: "cadenas.db" }, warnings: [] });
    expect(manifest.objectStorage).toBeUndefined();
    expect(manifest.photos).toEqual([{ sha256: sha(photo), size: photo.length }]);
    expect(readFileSync(join(backupDir, "photos", sha(photo).slice(0, 2), sha(photo)))).toEqual(photo);
    // Every letter in the bucket is in the backup, byte for byte.
    const letters = await s3.keys("lyon/letters/");
    expect(manifest.files.filter((f: { path: string }) => f.path.startsWith("letters/")).map((f: { path: string }) => `lyon/${f.path}`).sort()).toEqual(letters);
    for (const f of manifest.files.filter((f: { path: string }) => f.path.startsWith("letters/"))) {
      expect(readFileSync(join(backupDir, "files", f.sha256.slice(0, 2), f.sha256)).equals((await s3.get(`lyon/${f.path}`))!.bytes)).toBe(true);
    }

    // One moment: each note applied is in it with the record that it was processed, or neither is.
    const copy = createClient({ url: `file:${join(backup, "database.db")}` });
    try {
      expect((await copy.execute("PRAGMA integrity_check")).rows[0]![0]).toBe("ok");
      const unmatched = await copy.execute(
        `select id from processed_mutations p where p.outcome = 'applied' and p.kind = 'note.added' and not exists (select 1 from actions a where a.mutation_id = p.id)
         union all select mutation_id from actions a where a.mutation_id is not null and not exists (select 1 from processed_mutations p where p.id = a.mutation_id)`,
      );
      expect(unmatched.rows).toEqual([]);
    } finally {
      copy.close();
    }
  }, 120_000);

  it("holds every table's rows and a known customer as sqld has them; restored into a file and an empty bucket, a new sqld serves it, photos included", async () => {
    const backupDir = join(tmp, "quiet");
    const now = server.services.clock.now();
    const made = await createBackup({ database: databaseSource(sqld.url), dataDir: server.dir, backupDir, now, store: openStore(server.services.config) });
    const copy = createClient({ url: `file:${join(made.dir, "database.db")}` });
    try {
      const counts = await tableCounts(live);
      expect(Object.keys(counts).length).toBeGreaterThan(20);
      expect(await tableCounts(copy)).toEqual(counts);
      const known = (await live.execute("SELECT * FROM customers ORDER BY id LIMIT 1")).rows[0]!;
      expect((await copy.execute({ sql: "SELECT * FROM customers WHERE id = ?", args: [known.id!] })).rows[0]).toEqual(known);
      // The triggers came too: evidence is still append-only in the copy.
      await expect(copy.execute("DELETE FROM evidence_records")).rejects.toThrow(/append-only/);
    } finally {
      copy.close();
    }

    // Restore: the database into a file, photos and letters into an empty bucket (STORAGE_URL of the new site).
    const empty = await startLocalS3({ bucket: "restored", prefix: "lyon" });
    let restoredSqld: Sqld | undefined;
    let restoredServer: TestServer | undefined;
    try {
      const data = join(tmp, "restored");
      const result = await cli("restore", [made.dir, "--data", data], { DATABASE_URL: "http://127.0.0.1:1", ...empty.env });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain("put back into s3://restored/lyon");
      expect(result.stdout).toContain(`cp ${join(data, "cadenas.db")} NEW_DB_PATH/dbs/default/data`);
      expect(await empty.keys("lyon/blobs/")).toEqual([key(sha(photo))]);
      expect((await empty.get(key(sha(photo))))!.type).toBe("image/png");
      expect((await empty.keys("lyon/letters/")).length).toBe((await s3.keys("lyon/letters/")).length);
      expect(existsSync(join(data, "blobs"))).toBe(false);

      // Loaded into a new sqld as printed; a server on it and the restored bucket serves the photo and the letters.
      restoredSqld = await startSqld({ database: join(data, "cadenas.db") });
      restoredServer = await startTestServer({ demo: false, env: { DATABASE_URL: restoredSqld.url, ...empty.env } });
      const cookie = await signIn(restoredServer.url, "gestionnaire@demo.test");
      const served = await fetch(`${restoredServer.url}/api/blobs/${sha(photo)}`, { headers: { cookie } });
      expect(served.status).toBe(200);
      expect(Buffer.from(await served.arrayBuffer())).toEqual(photo);
      const restoredCounts = await tableCounts(createClient({ url: restoredSqld.url }));
      expect(restoredCounts.customers).toBe((await tableCounts(live)).customers);
    } finally {
      await restoredServer?.close();
      await restoredSqld?.close();
      await empty.close();
    }
  }, 120_000);

  it("names a photo gone from the bucket as a warning, and still writes the backup", async () => {
    const backupDir = join(tmp, "missing");
    const kept = (await s3.get(key(sha(photo))))!.bytes;
    await s3.delete(key(sha(photo)));
    try {
      const made = await createBackup({ database: databaseSource(sqld.url), dataDir: server.dir, backupDir, now: server.services.clock.now(), store: openStore(server.services.config) });
      expect(made.manifest.warnings).toEqual([`photo ${sha(photo)}: missing from s3://cadenas/lyon, not backed up`]);
      expect(made.manifest.photos).toEqual([]);
    } finally {
      await openStore(server.services.config).put(`blobs/${sha(photo).slice(0, 2)}/${sha(photo).slice(2, 4)}/${sha(photo)}`, kept, "image/png");
    }
  }, 60_000);

  it("a restore refuses a bucket holding other bytes under a photo's key, before writing anything", async () => {
    const backupDir = join(tmp, "conflict");
    const made = await createBackup({ database: databaseSource(sqld.url), dataDir: server.dir, backupDir, now: server.services.clock.now(), store: openStore(server.services.config) });
    const other = await startLocalS3({ bucket: "other", prefix: "lyon" });
    try {
      const store = openStore(loadConfig({ ...other.env }));
      await store.put(`blobs/${sha(photo).slice(0, 2)}/${sha(photo).slice(2, 4)}/${sha(photo)}`, new Uint8Array([1, 2, 3]), "image/png");
      const into = join(tmp, "conflict-data");
      await expect(restoreBackup(made.dir, { dataDir: into, databasePath: join(into, "cadenas.db"), store })).rejects.toThrow(`photo ${sha(photo)}: s3://other/lyon already holds other bytes`);
      expect(existsSync(into)).toBe(false);
      expect(await other.keys("lyon/letters/")).toEqual([]);
    } finally {
      await other.close();
    }
  }, 60_000);

  it("npm run restore without --data on a libSQL server says how to restore and load it (exit 2)", async () => {
    const result = await cli("restore", [join(tmp, "quiet", listBackups(join(tmp, "quiet"))[0]!.name)], { DATABASE_URL: sqld.url });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`DATABASE_URL is ${sqld.url}, a libSQL server: a backup is restored as a database file. Restore it with --data EMPTY_FOLDER`);
    expect(result.stderr).toContain("NEW_DB_PATH/dbs/default/data");
  }, 60_000);
});

describe("the daily backup with several processes on one sqld", () => {
  it("is taken once between them, by the process that takes the day's lease, into its BACKUP_DIR", async () => {
    const now = new Date(`${TEST_TODAY}T02:05:00Z`); // 03:05 in Paris, past BACKUP_AT
    const clock: Clock = { now: () => now, today: () => todayIn("Europe/Paris", now), todayIn: (zone) => todayIn(zone, now) };
    const dirs = [join(tmp, "daily-a"), join(tmp, "daily-b"), join(tmp, "daily-c")];
    const servers = await Promise.all(dirs.map((dir) => startTestServer({ env: { DATABASE_URL: sqld.url, ...s3.env, BACKUP_DIR: dir, BACKUP_AT: "03:00" }, start: { clock, backupEveryMs: 10 } })));
    try {
      // They look every 10 ms from their start: until one has written the day's backup, then a few looks more each.
      for (let i = 0; i < 200 && dirs.every((d) => listBackups(d).length === 0); i++) await Promise.all(servers.map((s) => s.backups!.nextLook()));
      let again = await Promise.all(servers.map((s) => s.backups!.nextLook()));
      for (let i = 0; i < 3; i++) again = await Promise.all(servers.map((s) => s.backups!.nextLook()));
      expect(dirs.map((d) => listBackups(d).length).reduce((a, b) => a + b)).toBe(1);
      expect(again.map((l) => l.state).sort()).toEqual(["done today", "elsewhere", "elsewhere"]);
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  }, 120_000);
});
