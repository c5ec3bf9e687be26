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
