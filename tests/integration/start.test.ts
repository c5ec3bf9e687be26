import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { call, signIn, TEST_TODAY } from "../support/server";

// `npm start`'s server process as a new user runs it: an empty database is migrated and filled, a second
// start keeps what is there, and SIGTERM stops it cleanly.

const dir = mkdtempSync(join(tmpdir(), "cadenas-start-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Started {
  url: string;
  output: string[];
  stop(): Promise<number | null>;
}

function startMain(): Promise<Started> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    env: { ...process.env, PORT: "0", DATABASE_URL: `file:${join(dir, "cadenas.db")}`, DATA_DIR: dir, TODAY: TEST_TODAY, CLIENT_DIR: join(dir, "none") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output.join("")}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString());
      const match = /running on (http:\/\/\S+)/.exec(output.join(""));
      if (match) {
        clearTimeout(timer);
        resolve({
          url: match[1]!,
          output,
          stop: () =>
            new Promise((done) => {
              child.once("exit", (code) => done(code));
              child.kill("SIGTERM");
            }),
        });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`server exited with ${code}:\n${output.join("")}`)));
  });
}

it("starts on an empty database with demo data, restarts without touching it, and stops on SIGTERM", async () => {
  const first = await startMain();
  expect(first.output.join("")).toMatch(new RegExp(`Empty database: demo data for ${TEST_TODAY} written in \\d+ ms \\(2 sites, 400 units, \\d+ customers`));
  expect((await call(first.url, "GET", "/api/health")).status).toBe(200);
  const cookie = await signIn(first.url, "gestionnaire@demo.test");
  const before = (await call(first.url, "GET", "/api/today", { cookie })).body;
  expect(await first.stop()).toBe(0);

  const second = await startMain();
  expect(second.output.join("")).not.toMatch(/Empty database/);
  const after = (await call(second.url, "GET", "/api/today", { cookie })).body;
  expect(after).toEqual(before);
  expect(await second.stop()).toBe(0);
});
