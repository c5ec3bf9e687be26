// Plain code, no schema library: the phone's first screen loads it (through the debtor overlay).

/** The SHA-256 of every photo a mutation's payload names (`photos: [sha]`, or `[{ sha256, role }]` for an opening). */
export function photosOfPayload(payload: unknown): string[] {
  const photos = (payload as { photos?: unknown })?.photos;
  if (!Array.isArray(photos)) return [];
  return photos.map((p) => (typeof p === "string" ? p : (p as { sha256: string }).sha256));
}
