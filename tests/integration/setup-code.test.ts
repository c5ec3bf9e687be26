import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateDatabase, openDatabase, type Database } from "../../server/db/client";
import { SetupCode, setupCodeMatches, setupOpen, spendSetupCodes } from "../../server/setup/setup-code";
import { setupCodes } from "../../server/setup/setup.sql";

// The first run's setup code, kept as a hash in the database: each process started on an empty database prints its
// own, and any of them works whichever process the first-run page reaches.
describe("the first run's setup codes", () => {
  let dir: string;
  let db: Database;
  let close: () => void;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "cadenas-setup-code-"));
    ({ db, close } = await openDatabase(`file:${join(dir, "c.db")}`));
    await migrateDatabase(db);
  });
  afterAll(() => {
    close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("read without look-alike characters, in two groups of five", () => {
    for (let i = 0; i < 50; i++) expect(SetupCode.generate().code).toMatch(/^[A-HJKMNP-Z2-9]{5}-[A-HJKMNP-Z2-9]{5}$/);
  });

  it("match whatever the case, dashes or spaces — any process's code — and never again once spent", async () => {
    const first = await SetupCode.issue(db);
    const second = await SetupCode.issue(db);
    expect(await setupOpen(db)).toBe(true);
    expect(await setupCodeMatches(db, ` ${first.code.toLowerCase().replace("-", " ")} `)).toBe(true);
    expect(await setupCodeMatches(db, second.code)).toBe(true);
    await spendSetupCodes(db);
    expect(await setupOpen(db)).toBe(false);
    expect(await setupCodeMatches(db, first.code)).toBe(false);
  });

  it("stop working after 20 wrong codes, counted over every process, so none can be guessed", async () => {
    const setup = await SetupCode.issue(db);
    await SetupCode.issue(db);
    for (let i = 0; i < 19; i++) expect(await setupCodeMatches(db, "WRONG-CODE0")).toBe(false);
    expect(await setupOpen(db)).toBe(true);
    expect(await setupCodeMatches(db, "WRONG-CODE0")).toBe(false);
    expect(await setupOpen(db)).toBe(false);
    expect(await db.select().from(setupCodes)).toEqual([]);
    expect(await setupCodeMatches(db, setup.code)).toBe(false);
  });
});
