import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { appendFile, rename, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customers } from "../../server/customers/customers.sql";
import { importRuns } from "../../server/imports/imports.sql";
import type { ImportFolder } from "../../server/imports/folder";
import { call, signIn, startTestServer, type TestServer } from "../support/server";

// The drop folder of the billing software's nightly export (IMPORT_DIR): files written slowly are taken only once
// complete, in name order; a refused one goes to rejected/ with its report and the next ones still go.

const FIXTURES = "tests/fixtures/imports";
const fixture = (name: string) => readFileSync(join(FIXTURES, name), "utf8");
let server: TestServer;
let dir: string;
let folder: ImportFolder;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cadenas-import-dir-"));
  // Looks a few times a second; the test waits on what the watcher saw, never on a duration.
  server = await startTestServer({ env: { IMPORT_DIR: dir }, start: { importFolderEveryMs: 150 } });
  folder = server.importFolder!;
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const inFolder = () => readdirSync(dir).filter((n) => n.endsWith(".csv") || n.endsWith(".part"));

/**
 * Writes `text` in `parts` bursts, as a slow export does: after each burst, waits until the watcher has seen the file
 * at that size (then writes the next burst before its next look), and checks the file was left alone.
 */
async function writeSlowly(name: string, text: string, parts: number, afterFirstBurst: () => Promise<void> = async () => {}) {
  const bytes = Buffer.from(text, "utf8");
  const size = Math.ceil(bytes.byteLength / parts);
  for (let at = 0; at < bytes.byteLength; at += size) {
    const chunk = bytes.subarray(at, at + size);
    const seen = folder.whenSeen(name, at + chunk.byteLength);
    await appendFile(join(dir, name), chunk);
    await seen;
    if (at === 0) await afterFirstBurst();
    if (at + chunk.byteLength < bytes.byteLength) {
      expect(existsSync(join(dir, name)), `${name} taken half-written`).toBe(true);
      expect(await server.services.db.select().from(importRuns).where(eq(importRuns.source, "folder"))).toEqual([]);
    }
  }
}

async function untilMoved(name: string, to: "done" | "rejected") {
  for (let looks = 0; !existsSync(join(dir, to, name)); looks++) {
    if (looks > 50) throw new Error(`${name} never reached ${to}/ (folder: ${readdirSync(dir).join(", ")})`);
    await folder.nextLook();
  }
}

describe("IMPORT_DIR", () => {
  it("imports complete files in name order, sets a refused one aside with its report, and goes on", async () => {
    // The night's other files land while the first one is still being written: they wait for it, in name order (the
    // payments name invoices of 04, the invoices contracts of 02: any other order would refuse them).
    await writeSlowly("01-clients.csv", fixture("customers.csv"), 4, async () => {
      await writeFile(join(dir, "05-reglements.csv"), fixture("payments.csv"));
      await writeFile(join(dir, "03-factures-fausses.csv"), fixture("invoices-bad.csv"));
      await writeFile(join(dir, "04-factures.csv"), fixture("invoices.csv"));
      await writeFile(join(dir, "02-contrats.csv"), fixture("contracts.csv"));
    });
    await untilMoved("05-reglements.csv", "done");
    expect(readdirSync(join(dir, "done")).sort()).toEqual([
      "01-clients.csv",
      "01-clients.csv.rapport.txt",
      "02-contrats.csv",
      "02-contrats.csv.rapport.txt",
      "04-factures.csv",
      "04-factures.csv.rapport.txt",
      "05-reglements.csv",
      "05-reglements.csv.rapport.txt",
    ]);
    expect(readdirSync(join(dir, "rejected")).sort()).toEqual(["03-factures-fausses.csv", "03-factures-fausses.csv.rapport.txt"]);
    expect(inFolder()).toEqual([]);
    // Whole files went in, not the first bursts.
    expect(readFileSync(join(dir, "done", "01-clients.csv.rapport.txt"), "utf8")).toMatch(/Type : Clients\n.*\nRésultat : importé — 3 lignes, 3 créées, 0 mise à jour/);
    expect((await server.services.db.select().from(customers).where(eq(customers.ref, "IMP003")))[0]).toMatchObject({ name: expect.any(String), stop: true });
    const rejected = readFileSync(join(dir, "rejected", "03-factures-fausses.csv.rapport.txt"), "utf8");
    expect(rejected).toMatch(/Résultat : refusé, rien n'a été importé — 3 problèmes/);
    expect(rejected).toMatch(/Ligne 4, colonne due_date : « 31\/02\/2026 » n'est pas une date valide/);

    // The office sees them in the history, oldest last, from the folder and with nobody's name.
    const office = await signIn(server.url, "bureau@demo.test");
    const history = await call(server.url, "GET", "/api/imports", { cookie: office });
    const fromFolder = (history.body.runs as { fileName: string; source: string; userId: null; userName: null; ok: boolean; kind: string }[]).filter((r) => r.source === "folder");
    expect(fromFolder.map((r) => [r.fileName, r.kind, r.ok]).reverse()).toEqual([
      ["01-clients.csv", "customers", true],
      ["02-contrats.csv", "contracts", true],
      ["03-factures-fausses.csv", "invoices", false],
      ["04-factures.csv", "invoices", true],
      ["05-reglements.csv", "payments", true],
    ]);
    expect(fromFolder.every((r) => r.userId === null && r.userName === null)).toBe(true);
  });

  it("leaves files in the making alone, refuses a file of no known kind, and keeps an earlier report when a name comes again", async () => {
    const text = "customer_ref;kind;name;payment_method\r\nIMP010;particulier;Nadia Roux;CB\r\n";
    await writeFile(join(dir, "clients.csv.part"), text);
    await folder.nextLook();
    await folder.nextLook();
    await folder.nextLook();
    expect(inFolder()).toEqual(["clients.csv.part"]);
    await rename(join(dir, "clients.csv.part"), join(dir, "01-clients.csv"));
    await writeFile(join(dir, "notes.csv"), "a;b\r\n1;2\r\n");
    await untilMoved("01-clients.2.csv", "done");
    expect(readFileSync(join(dir, "done", "01-clients.2.csv.rapport.txt"), "utf8")).toMatch(/1 ligne, 1 créée/);
    await untilMoved("notes.csv", "rejected");
    expect(readFileSync(join(dir, "rejected", "notes.csv.rapport.txt"), "utf8")).toMatch(/type inconnu/);
  });
});
