import { spawn } from "node:child_process";
import { join } from "node:path";

// What every benchmark needs: JSON over HTTP as a phone sends it, and percentiles.

export interface Posted<T> {
  status: number;
  body: T;
  /** Size of the answer's body as it came over the wire (the server does not compress). */
  bytes: number;
}

/** A JSON POST with the session cookie; reads and parses the whole answer, as the phone must. */
export async function postJson<T>(baseUrl: string, path: string, body: unknown, cookie?: string): Promise<Posted<T>> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as T, bytes: Buffer.byteLength(text) };
}

/** Signs in over HTTP and returns the `name=value` of the session cookie. */
export async function signIn(baseUrl: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password }) });
  if (res.status !== 200) throw new Error(`sign-in as ${email} failed: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
  return (res.headers.get("set-cookie") ?? "").split(";")[0]!;
}

/** Nearest-rank percentile (p in 0–1) of the samples. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 0.5);
}

export function ms(value: number): string {
  return `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ms`;
}

export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Thousands with a thin separator, as the issue writes them (5,000). */
export function count(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

export interface ServerProcess {
  url: string;
  pid: number;
  /** What it printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** `npm start`'s server (server/main.ts) in a child process on a free port, with `env` over the defaults. */
export async function startServerProcess(dir: string, env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", DATA_DIR: dir, CLIENT_DIR: join(dir, "no-client"), ENGINE_AT: "off", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /running on (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`the server exited (${code}):\n${output}`)));
  });
  return {
    url,
    pid: child.pid!,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
