// Plain code, no schema library: the phone's first screen loads it (through the debtor overlay).

/**
 * The SHA-256 of every image a mutation's payload names (`photos: [sha]`, or `[{ sha256, role }]` for an opening),
 * and an opening's drawn signatures after them: each is uploaded, awaited and chained like a photo.
 */
export function photosOfPayload(payload: unknown): string[] {
  const { photos, signatures } = (payload ?? {}) as { photos?: unknown; signatures?: Record<string, unknown> };
  const shas = Array.isArray(photos) ? photos.map((p) => (typeof p === "string" ? p : (p as { sha256: string }).sha256)) : [];
  if (signatures && typeof signatures === "object") for (const s of Object.values(signatures)) if (typeof s === "string" && !shas.includes(s)) shas.push(s);
  return shas;
}
