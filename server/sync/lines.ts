import { NDJSON } from "../../shared/sync-lines";

/**
 * Whether the client's `Accept` prefers the pull as lines (see shared/sync-lines.ts): `application/x-ndjson` named
 * with a quality above 0 and not below that of `application/json`. A client that does not name it (curl, the
 * office, the tests, the bench's Node side) keeps plain JSON.
 */
export function asksForLines(accept: string | undefined): boolean {
  const quality = new Map<string, number>();
  for (const part of (accept ?? "").split(",")) {
    const [type, ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    if (!type) continue;
    const q = params.find((p) => /^q\s*=/.test(p));
    const value = q ? Number(q.replace(/^q\s*=\s*/, "")) : 1;
    quality.set(type, Number.isFinite(value) ? value : 0);
  }
  const lines = quality.get(NDJSON) ?? 0;
  return lines > 0 && lines >= (quality.get("application/json") ?? 0);
}
