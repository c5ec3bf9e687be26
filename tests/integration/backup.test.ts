import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { sql } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { todayIn } from "../../shared/dates";
import { MUTATION_VERSION } from "../../shared/schemas/mutations";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { createBackup } from "../../server/backup/backup";
import { runEngineDay } from "../../server/engine/run";
import { sendDueMessages, transportsFor } from "../../server/messaging/worker";
import { listBackups, pruneBackups } from "../../server/backup/prune";
import { restoreBackup } from "../../server/backup/restore";
import type { Clock } from "../../server/context";
import { migrateDatabase, openDatabase, type DatabaseHandle } from "../../server/db/client";
import { verifyChain } from "../../server/evidence/chain";
import { loadConfig } from "../../server/env";
import { startServer } from "../../server/server";
import { pngImage } from "../support/images";
import { call, importThroughRoute, signIn, startTestServer, TEST_NOW, TEST_TODAY, type TestServer } from "../support/server";

// Backups of a file database and its photos, taken while the server writes: a phone pushing and an import running
// during `npm run backup`; the backup restored into an empty folder holds every row committed before it began,
// passes SQLite's integrity check, its evidence chains verify and a server starts on it. A damaged backup is
// refused with what is wrong, and pruning keeps exactly the photos a remaining backup needs.

const door = readFileSync(join(import.meta.dirname, "..", "fixtures", "photos", "door.jpg"));
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const tmp = mkdtempSync(join(tmpdir(), "cadenas-backup-"));
const backupDir = join(tmp, "backups");

const cli = (script: string, args: string[], env: Record<string, string>) =>
  promisify(execFile)(process.execPath, ["--import", "tsx", `server/cli/${script}.ts`, ...args], { env: { ...process.env, ...env } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );

let server: TestServer;
let vt: string;
let office: string;
let caseId: string;
let backup: string;
const clientId = uuidv7();
let seq = 0;
let imports = 0;
/** What was committed before the backup began: the mutations answered, the customers, the evidence records. */
const before = { mutations: [] as string[], customers: [] as string[], evidence: [] as string[], letterFiles: [] as string[] };

const push = (kind: string, payload: unknown) =>
  call(server.url, "POST", "/api/sync/push", { cookie: vt, body: { clientId, mutations: [{ id: uuidv7(), seq: ++seq, v: MUTATION_VERSION, kind, payload, happenedAt: TEST_NOW.toISOString() }] } });
const ids = async (db: DatabaseHandle["db"], query: ReturnType<typeof sql>) => (await db.all<{ id: string }>(query)).map((r) => r.id);
const envOf = (s: TestServer) => ({ DATABASE_URL: `file:${join(s.dir, "cadenas.db")}`, DATA_DIR: s.dir, BACKUP_DIR: backupDir, NOW: TEST_NOW.toISOString() });

beforeAll(async () => {
  server = await startTestServer();
  [vt, office] = await Promise.all([signIn(server.url, "gestionnaire@demo.test"), signIn(server.url, "bureau@demo.test")]);
  // Evidence with its photo, and a printed letter: the files a backup must carry besides the database.
  const pulled = await call<{ docs: DebtorDoc[] }>(server.url, "POST", "/api/sync/pull", { cookie: vt, body: { clientId, cursor: null, page: null } });
  const doc = pulled.body.docs.find((d) => d.case?.status === "open" && d.units.some((u) => u.padlock === "none"))!;
  caseId = doc.case!.id;
  expect((await push("padlock.placed", { unitId: doc.units.find((u) => u.padlock === "none")!.id, padlockNumber: "4242", photos: [sha(door)] })).body.results[0].status).toBe("applied");
  expect((await fetch(`${server.url}/api/blobs/${sha(door)}`, { method: "PUT", headers: { cookie: vt }, body: door as unknown as BodyInit })).status).toBe(200);
  // An upload left unfinished: its piece is not a photo yet, and stays out of backups.
  const half = pngImage(200, 200, { noise: true });
  const piece = await fetch(`${server.url}/api/blobs/${sha(half)}`, { method: "PUT", headers: { cookie: vt, "content-range": `bytes 0-999/${half.length}` }, body: half.subarray(0, 1000) as unknown as BodyInit });
  expect(piece.status).toBe(200);
  await runEngineDay(server.services.db, { asOf: TEST_TODAY, dryRun: false, now: server.services.clock.now() });
  const [letter] = await ids(server.services.db, sql`select id from messages where channel = 'letter' and status = 'queued' order by id limit 1`);
  expect((await call(server.url, "POST", "/api/letters/print", { cookie: office, body: { ids: [letter] } })).status).toBe(200);
  // E-mails written to DATA_DIR/outbox/ (no SMTP_URL): the office reads them in the app.
  const transports = transportsFor(server.services.config);
  const round = await sendDueMessages(server.services.db, transports, { id: "backup-test", timeZone: "Europe/Paris", now: () => server.services.clock.now() });
  transports.email.close();
  expect(round.written).toBeGreaterThan(0);
}, 60_000);
afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe("npm run backup while the server writes", () => {
  it("snapshots a consistent database and its photos while a phone pushes and an import runs", async () => {
    const db = server.services.db;
    const notes = (await call<{ docs: DebtorDoc[] }>(server.url, "POST", "/api/sync/pull", { cookie: vt, body: { clientId, cursor: null, page: null } })).body.docs.map((d) => d.customerId);
    for (let i = 0; i < 5; i++) expect((await push("note.added", { customerId: notes[i % notes.length], text: `avant ${i}` })).body.results[0].status).toBe("applied");
    before.mutations = await ids(db, sql`select id from processed_mutations`);
    before.customers = await ids(db, sql`select id from customers`);
    before.evidence = await ids(db, sql`select id from evidence_records`);
    before.letterFiles = (await db.all<{ file: string }>(sql`select file from letter_prints`)).map((r) => r.file);

    // Imports of 1,000 customers each (one transaction each, in the server's import worker) one after the other, and a
    // phone pushing notes, both going on for as long as the backup runs.
    let running = true;
    let pushedDuring = 0;
    const importing = (async () => {
      while (running) {
        const batch = imports++;
        const rows = Array.from({ length: 1000 }, (_, i) => `BKP${batch}-${i};person;Client Sauvegarde ${batch}-${i};;06${String(batch).padStart(3, "0")}${String(i).padStart(5, "0")};1 rue du Test;69007;Lyon;cheque`);
        await importThroughRoute(server.url, office, "customers", `customer_ref;kind;name;email;phone;address;postal_code;city;payment_method\n${rows.join("\n")}\n`);
      }
    })();
    const pushing = (async () => {
      while (running) {
        const res = await push("note.added", { customerId: notes[pushedDuring % notes.length], text: `pendant ${pushedDuring}` });
        expect(res.body.results[0].status).toBe("applied");
        pushedDuring++;
      }
    })();
    const result = await cli("backup", [], envOf(server));
    running = false;
    await Promise.all([pushing, importing]);
    expect(result.code, result.stderr).toBe(0);
    expect(pushedDuring).toBeGreaterThan(0);
    expect(imports).toBeGreaterThan(0);
    backup = /Backup written: (\S+)/.exec(result.stdout)![1]!;
    expect(result.stdout).toMatch(/1 photos and \d+ files/);

    const manifest = JSON.parse(readFileSync(join(backup, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ format: "cadenas-backup/1", app: { name: "cadenas" }, database: { file: "database.db", name: "cadenas.db" }, photos: [{ sha256: sha(door), size: door.length }], warnings: [] });
    expect(manifest.migrations.applied).toBeGreaterThan(0);
    expect(manifest.files.map((f: { path: string }) => f.path)).toEqual(expect.arrayContaining(before.letterFiles));
    // The photo is stored once, by its hash, in the folder every backup shares; the upload's leftovers are not.
    expect(readFileSync(join(backupDir, "photos", sha(door).slice(0, 2), sha(door)))).toEqual(door);
    expect(readdirSync(backupDir).filter((n) => n.startsWith("."))).toEqual([]);
  }, 120_000);

  it("restores into an empty folder: integrity ok, every row committed before, the chains and photos verify", async () => {
    const target = join(tmp, "restored");
    const result = await cli("restore", [backup, "--data", target], {});
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/every hash checked/);
    expect(result.stdout).toContain(`DATA_DIR=${target} DATABASE_URL=file:${join(target, "cadenas.db")}`);
    expect(readdirSync(target).sort()).toEqual(["blobs", "cadenas.db", "letters", "outbox"]);
    expect(readdirSync(join(target, "blobs"))).toEqual([sha(door).slice(0, 2)]);
    const eml = readdirSync(join(target, "outbox"));
    expect(eml.length).toBeGreaterThan(0);
    for (const name of eml) expect(readFileSync(join(target, "outbox", name))).toEqual(readFileSync(join(server.dir, "outbox", name)));

    const handle = await openDatabase(`file:${join(target, "cadenas.db")}`);
    try {
      const db = handle.db;
      expect(await db.all(sql`pragma integrity_check`)).toEqual([{ integrity_check: "ok" }]);
      const restored = {
        mutations: new Set(await ids(db, sql`select id from processed_mutations`)),
        customers: new Set(await ids(db, sql`select id from customers`)),
        evidence: new Set(await ids(db, sql`select id from evidence_records`)),
      };
      expect(before.mutations.filter((id) => !restored.mutations.has(id))).toEqual([]);
      expect(before.customers.filter((id) => !restored.customers.has(id))).toEqual([]);
      expect(before.evidence.filter((id) => !restored.evidence.has(id))).toEqual([]);
      // Each import is in the snapshot whole or not at all, as a push is with the record that it was processed.
      for (let batch = 0; batch < imports; batch++) {
        const imported = (await db.all<{ n: number }>(sql`select count(*) as n from customers where ref like ${`BKP${batch}-%`}`))[0]!.n;
        expect([0, 1000], `import ${batch}`).toContain(imported);
      }
      const unmatched = await db.all(
        sql`select id from processed_mutations p where p.outcome = 'applied' and p.kind = 'note.added' and not exists (select 1 from actions a where a.mutation_id = p.id)
            union all select mutation_id from actions a where a.mutation_id is not null and not exists (select 1 from processed_mutations p where p.id = a.mutation_id)`,
      );
      expect(unmatched).toEqual([]);
      const chains = (await db.all<{ chain: string }>(sql`select distinct chain from evidence_records`)).map((r) => r.chain);
      expect(chains).toContain(caseId);
      for (const chain of chains) {
        const report = await verifyChain(db, target, chain);
        expect(report, chain).toMatchObject({ ok: true, problems: [] });
        if (chain === caseId) expect(report.photosPending).toEqual([]);
      }
    } finally {
      handle.close();
    }

    // A server started on the restored folder serves it, photos and printed letters included.
    const restoredServer = await startServer(
      loadConfig({ PORT: "0", HOST: "127.0.0.1", DATABASE_URL: `file:${join(target, "cadenas.db")}`, DATA_DIR: target, TODAY: TEST_TODAY, NOW: TEST_NOW.toISOString(), DEMO_DATA: "off", CLIENT_DIR: join(tmp, "none"), ENGINE_AT: "off", OUTBOX_EVERY: "off", LOG_LEVEL: "silent" }),
      () => {},
    );
    try {
      const cookie = await signIn(restoredServer.url, "bureau@demo.test");
      const log = await call(restoredServer.url, "GET", `/api/cases/${caseId}/evidence`, { cookie });
      expect(log.body.integrity).toMatchObject({ ok: true, photosPending: [], problems: [] });
      const photo = await fetch(`${restoredServer.url}/api/blobs/${sha(door)}`, { headers: { cookie } });
      expect(Buffer.from(await photo.arrayBuffer())).toEqual(door);
    } finally {
      await restoredServer.stop();
    }
  }, 120_000);
});

describe("a damaged backup is refused, and nothing is written", () => {
  const target = () => join(tmp, `target-${uuidv7()}`);
  const flip = (file: string, at: number) => {
    const bytes = readFileSync(file);
    const original = Buffer.from(bytes);
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(file, bytes);
    return () => writeFileSync(file, original);
  };
  const refusal = async (into = target()) => {
    try {
      await restoreBackup(backup, { dataDir: into, databasePath: join(into, "cadenas.db") });
      return "restored";
    } catch (e) {
      expect(existsSync(into), "nothing left in the target").toBe(false);
      expect(readdirSync(tmp).filter((n) => n.includes(".restore-")), "nothing left beside it").toEqual([]);
      return (e as Error).message;
    }
  };
  const photoFile = () => join(backupDir, "photos", sha(door).slice(0, 2), sha(door));

  it("a changed byte in the database: exit 1, named", async () => {
    const undo = flip(join(backup, "database.db"), 5000);
    try {
      const into = target();
      const result = await cli("restore", [backup, "--data", into], {});
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/refused, nothing restored:\n {2}database\.db: its bytes changed \(SHA-256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}\)/);
      expect(existsSync(into)).toBe(false);
    } finally {
      undo();
    }
  }, 60_000);

  it("a changed byte in a photo, a photo missing, a manifest missing or garbled", async () => {
    let undo = flip(photoFile(), 100);
    expect(await refusal()).toMatch(new RegExp(`photo ${sha(door)}: its bytes changed`));
    undo();
    const kept = readFileSync(photoFile());
    rmSync(photoFile());
    expect(await refusal()).toMatch(new RegExp(`photo ${sha(door)}: missing`));
    writeFileSync(photoFile(), kept);

    const manifestFile = join(backup, "manifest.json");
    const manifest = readFileSync(manifestFile);
    rmSync(manifestFile);
    expect(await refusal()).toMatch(/manifest\.json is missing/);
    writeFileSync(manifestFile, manifest.subarray(0, manifest.length - 40));
    expect(await refusal()).toMatch(/manifest\.json is not valid JSON/);
    writeFileSync(manifestFile, manifest.toString().replace(/"sha256": "[0-9a-f]{64}"/, '"sha256": "nope"'));
    expect(await refusal()).toMatch(/manifest\.json is garbled: database\.sha256/);
    const escaping = JSON.parse(manifest.toString());
    escaping.files[0].path = "../../evil.pdf";
    writeFileSync(manifestFile, JSON.stringify(escaping));
    expect(await refusal()).toMatch(/\.\.\/\.\.\/evil\.pdf: not a path inside the data folder/);
    writeFileSync(manifestFile, manifest);
    // Mended, it restores again.
    expect(await refusal()).toBe("restored");
  });

  it("refuses a data folder that is not empty (exit 2, named), and fails clearly on a libSQL server that does not answer", async () => {
    const busy = join(tmp, "busy");
    mkdirSync(busy);
    writeFileSync(join(busy, "something"), "x");
    const restore = await cli("restore", [backup, "--data", busy], {});
    expect(restore.code).toBe(2);
    expect(restore.stderr).toContain(`The data folder ${busy} is not empty`);
    expect(readdirSync(busy)).toEqual(["something"]);

    const remote = await cli("backup", [], { DATABASE_URL: "http://127.0.0.1:1", DATA_DIR: tmp, BACKUP_DIR: join(tmp, "remote") });
    expect(remote.code).toBe(1);
    expect(remote.stderr).toMatch(/The libSQL server http:\/\/127\.0\.0\.1:1 did not answer GET \/dump/);
    expect(listBackups(join(tmp, "remote"))).toEqual([]);
    const usage = await cli("restore", [], {});
    expect(usage.code).toBe(64);
    expect(usage.stderr).toMatch(/usage: npm run restore -- BACKUP_FOLDER/);
  }, 60_000);
});

describe("one at a time", () => {
  it("a backup is refused while another holds the folder, and a lock left by a dead process is taken over", async () => {
    const dir = join(tmp, "locked");
    mkdirSync(dir);
    const options = { databasePath: join(server.dir, "cadenas.db"), dataDir: server.dir, backupDir: dir, now: TEST_NOW };
    writeFileSync(join(dir, ".lock"), String(process.pid));
    await expect(createBackup(options)).rejects.toThrow(`Another backup or prune is running in ${dir} (process ${process.pid})`);
    expect(listBackups(dir)).toEqual([]);
    writeFileSync(join(dir, ".lock"), "2147483646");
    expect((await createBackup(options)).manifest.photos).toHaveLength(1);
    expect(existsSync(join(dir, ".lock"))).toBe(false);
  });
});

describe("pruning", () => {
  it("keeps BACKUP_KEEP days (always the newest) and exactly the photos a remaining backup needs", async () => {
    const dir = join(tmp, "prune");
    const data = join(dir, "data");
    const backups = join(dir, "backups");
    const handle = await openDatabase(`file:${join(data, "cadenas.db")}`);
    const photo = (b: Buffer) => {
      const h = sha(b);
      mkdirSync(join(data, "blobs", h.slice(0, 2), h.slice(2, 4)), { recursive: true });
      writeFileSync(join(data, "blobs", h.slice(0, 2), h.slice(2, 4), h), b);
      return handle.db.run(sql`insert into photos (sha256, size_bytes, mime, received_at) values (${h}, ${b.length}, 'image/png', ${TEST_NOW.toISOString()})`);
    };
    const [kept, erased, later] = [pngImage(10, 10), pngImage(11, 10), pngImage(12, 10)];
    const stored = (b: Buffer) => existsSync(join(backups, "photos", sha(b).slice(0, 2), sha(b)));
    const day = (n: number) => new Date(TEST_NOW.getTime() + n * 86_400_000);
    const backupAt = (n: number) => createBackup({ databasePath: join(data, "cadenas.db"), dataDir: data, backupDir: backups, now: day(n) });
    try {
      await migrateDatabase(handle.db);
      await photo(kept);
      await photo(erased);
      const first = await backupAt(0);
      // A photo erased since (as retention does), and a new one: the next backup names only what is left.
      await handle.db.run(sql`drop trigger photos_append_only_delete`);
      await handle.db.run(sql`delete from photos where sha256 = ${sha(erased)}`);
      await photo(later);
      const second = await backupAt(10);
      expect(second.added).toBe(1);
      // A backup that died half-way leaves a temporary folder and a temporary photo: never listed, pruned away.
      mkdirSync(join(backups, ".tmp-dead"));
      writeFileSync(join(backups, "photos", ".tmp-dead"), "half");
      expect(listBackups(backups).map((b) => b.name)).toEqual([second.name, first.name]);

      let result = await pruneBackups(backups, { now: day(13), keepDays: 14, timeZone: "Europe/Paris" });
      expect(result).toMatchObject({ kept: [second.name, first.name], removed: [], removedStored: 0 });
      expect(existsSync(join(backups, ".tmp-dead"))).toBe(false);
      expect(readdirSync(join(backups, "photos")).filter((n) => n.startsWith("."))).toEqual([]);

      result = await pruneBackups(backups, { now: day(14), keepDays: 14, timeZone: "Europe/Paris" });
      expect(result).toMatchObject({ kept: [second.name], removed: [first.name], removedStored: 1 });
      expect([stored(kept), stored(erased), stored(later)]).toEqual([true, false, true]);
      // Long after, the newest is still kept, and restores alone.
      result = await pruneBackups(backups, { now: day(60), keepDays: 14, timeZone: "Europe/Paris" });
      expect(result).toMatchObject({ kept: [second.name], removed: [] });
      const into = join(dir, "restored");
      const restored = await restoreBackup(join(backups, second.name), { dataDir: into, databasePath: join(into, "cadenas.db") });
      expect(restored.photos).toBe(2);
    } finally {
      handle.close();
    }
  });
});

describe("the daily backup in the server", () => {
  it("runs at BACKUP_AT once a day, catches up after a restart, and prunes to BACKUP_KEEP", async () => {
    let now = new Date(`${TEST_TODAY}T01:30:00Z`); // 02:30 in Paris
    const clock: Clock = { now: () => now, today: () => todayIn("Europe/Paris", now), todayIn: (zone) => todayIn(zone, now) };
    const dir = join(tmp, "daily");
    const lines: string[] = [];
    const env = { BACKUP_DIR: dir, BACKUP_AT: "03:00", BACKUP_KEEP: "2" };
    const daily = await startTestServer({ demo: false, env, start: { clock, backupEveryMs: 10 } });
    const look = () => daily.backups!.nextLook();
    try {
      expect(await look()).toEqual({ state: "not due" });
      now = new Date(`${TEST_TODAY}T02:05:00Z`);
      const written = await look();
      expect(written.state).toBe("written");
      expect(await look()).toMatchObject({ state: "done today" });
      expect(listBackups(dir)).toHaveLength(1);
      for (let i = 0; i < 3; i++) {
        now = new Date(now.getTime() + 86_400_000);
        expect((await look()).state).toBe("written");
      }
      // Four days, two kept: today's and yesterday's.
      expect(listBackups(dir).map((b) => b.manifest!.createdAt)).toEqual(["2026-11-25T02:05:00.000Z", "2026-11-24T02:05:00.000Z"]);
    } finally {
      await daily.stop();
    }
    // A server restarted the same day on the same folders finds the day's backup and takes no other.
    const again = await startServer(loadConfig({ PORT: "0", DATABASE_URL: `file:${join(daily.dir, "cadenas.db")}`, DATA_DIR: daily.dir, DEMO_DATA: "off", ENGINE_AT: "off", OUTBOX_EVERY: "off", CLIENT_DIR: join(tmp, "none"), LOG_LEVEL: "silent", ...env }), (l) => lines.push(l), { clock, backupEveryMs: 10 });
    try {
      expect(await again.backups!.nextLook()).toMatchObject({ state: "done today" });
      expect(listBackups(dir)).toHaveLength(2);
    } finally {
      await again.stop();
      rmSync(daily.dir, { recursive: true, force: true });
    }
  }, 60_000);
});
