import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { vi, expect, it } from "vitest";
import { loadConfig } from "../../server/env";
import { startServer } from "../../server/server";
import { call, importThroughRoute, TEST_NOW, TEST_TODAY } from "../support/server";

// A day held back because nothing was imported yet waits for the import: it is not evaluated again at every look
// (a full run over every customer, each minute), and it runs as soon as the billing data arrives.

it("holds the day until the first import, once, then runs it when the data arrives", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cadenas-held-"));
  const lines: string[] = [];
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: `file:${join(dir, "cadenas.db")}`,
    DATA_DIR: dir,
    CLIENT_DIR: join(dir, "no-client"),
    TODAY: TEST_TODAY,
    NOW: TEST_NOW.toISOString(),
    DEMO_DATA: "off",
    ENGINE_AT: "06:00",
    OUTBOX_EVERY: "off",
    LOG_LEVEL: "silent",
  });
  const server = await startServer(config, (line) => lines.push(line), { engineEveryMs: 20 });
  try {
    const held = () => lines.filter((l) => l.startsWith(`Engine for ${TEST_TODAY}`) && l.includes("none carried out"));
    await vi.waitFor(() => expect(held()).toHaveLength(1), { timeout: 10_000, interval: 20 });

    const res = await call(server.url, "POST", "/api/setup/account", {
      body: { code: server.services.setupCode!.code, name: "Claire Martin", email: "claire@exemple.test", initials: "CM", password: "ficelle-tonnerre-abricot" },
    });
    const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
    for (const kind of ["customers", "contracts", "invoices"]) {
      expect(held()).toHaveLength(1); // the scheduler keeps looking, and does not run the held day again
      await importThroughRoute(server.url, cookie, kind, readFileSync(`tests/fixtures/imports/${kind}.csv`, "utf8"));
    }
    await vi.waitFor(() => expect(lines.some((l) => l.startsWith(`Engine for ${TEST_TODAY}:`) && !l.includes("none carried out"))).toBe(true), { timeout: 10_000, interval: 20 });
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
