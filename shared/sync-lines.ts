/**
 * A pull page as newline-delimited JSON, the form a phone asks for (`Accept: application/x-ndjson`): one header
 * line (the page without its documents), then one line a document, in order. The phone parses each line as it
 * arrives, so a 500-document page costs many short tasks instead of one `JSON.parse` of 1.6 MiB that holds the
 * screen for a frame and more on a mid-range phone. Plain JSON stays the answer for every other client. No imports:
 * the phone's store reads the constant without loading zod.
 */
export const NDJSON = "application/x-ndjson";

/** The page's lines, built from the same value as its JSON form so the two never hold different things. */
export function pageAsLines<Page extends { docs: readonly unknown[] }>(page: Page): string {
  const { docs, ...header } = page;
  let out = JSON.stringify(header) + "\n";
  for (const doc of docs) out += JSON.stringify(doc) + "\n";
  return out;
}
