import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { expect, vi } from "vitest";
import { freePort } from "./net";

/** `npm start`'s entry (server/main.ts) in its own process, as `cadenas@.service` runs it. */
export interface ServerChild {
  url: string;
  port: number;
  child: ChildProcess;
  /** What it printed so far, stdout and stderr. */
  output(): string;
  exited: Promise<number | null>;
}

/** Starts it with `env` over the test's own environment, on `port` (a free one if not given); see `untilAnswering`. */
export async function spawnServer(env: Record<string, string>, port?: number): Promise<ServerChild> {
  const listen = port ?? (await freePort());
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", join("server", "main.ts")], { env: { ...process.env, PORT: String(listen), ...env }, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { url: `http://127.0.0.1:${listen}`, port: listen, child, output: () => output, exited };
}

/** Until `path` answers 200; fails at once with what it printed if the process exits first. */
export async function untilAnswering(p: ServerChild, path = "/api/health", timeout = 120_000): Promise<void> {
  await vi.waitFor(
    async () => {
      if (p.child.exitCode !== null) throw new Error(`the server exited ${p.child.exitCode}: ${p.output()}`);
      expect((await fetch(`${p.url}${path}`)).status).toBe(200);
    },
    { timeout, interval: 100 },
  );
}
