import type { PullResponse } from "../../shared/schemas/debtor-doc";
import { NDJSON } from "../../shared/sync-lines";
import type { TransportAnswer } from "./sync";

/**
 * Reads a pull page as it streams in, a line at a time (the form is in shared/sync-lines.ts). `res.json()` parses a
 * 500-document page (1.6 MiB) in one task: 60–105 ms on a mid-range phone, a frozen frame for each page of a first
 * sync. Here each line is parsed when it has arrived, so the work follows the network's chunks, and a run of lines
 * that has already taken `SLICE_MS` gives the page a turn (chunks that queued while the phone was storing the page
 * before would otherwise all be read in one go).
 */

/** The Accept of a pull: lines preferred, JSON still fine (a server from before answers JSON). */
export const ACCEPT_LINES = `${NDJSON}, application/json;q=0.9`;

/** Parsing done before the reader yields to the page: well under a frame even at a phone's speed. */
const SLICE_MS = 8;

/**
 * Calls `onLine` with each line's value, in order, as soon as the line is complete; returns how many lines there
 * were. A chunk may end mid-line or mid-character (the decoder keeps the partial bytes); the last line may lack
 * its newline; blank lines are skipped. Rejects if the stream fails (a cut connection) or a line is not JSON.
 */
export async function readLines(body: ReadableStream<Uint8Array>, onLine: (value: unknown, line: number) => void): Promise<number> {
  const reader = body.getReader();
  // Fatal: bytes that are not UTF-8 are a broken answer, not text to patch with U+FFFD.
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let line = 0;
  const take = (text: string) => {
    line += 1;
    if (text.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new Error(`line ${line} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    onLine(value, line);
  };
  try {
    let rest = "";
    let since = performance.now();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // Only the new text can hold a newline: `rest` has none.
      const from = rest.length;
      rest += decoder.decode(value, { stream: true });
      let start = 0;
      for (let end = rest.indexOf("\n", from); end !== -1; end = rest.indexOf("\n", start)) {
        take(rest.slice(start, end));
        start = end + 1;
        if (performance.now() - since > SLICE_MS) {
          await yieldToPage();
          since = performance.now();
        }
      }
      rest = rest.slice(start);
    }
    rest += decoder.decode();
    if (rest !== "") take(rest);
    return line;
  } catch (e) {
    await reader.cancel().catch(() => undefined);
    throw e;
  }
}

/** The page as lines back into the object its JSON form is: the header line, then the documents in order. */
export async function readPullPage(body: ReadableStream<Uint8Array>): Promise<PullResponse> {
  let header: Omit<PullResponse, "docs"> | undefined;
  const docs: PullResponse["docs"] = [];
  await readLines(body, (value, line) => {
    if (!isObject(value)) throw new Error(`line ${line} is not an object`);
    if (header) docs.push(value as PullResponse["docs"][number]);
    else if ("docs" in value || typeof value.cursor !== "string") throw new Error(`line ${line} is not a page's header`);
    else header = value as Omit<PullResponse, "docs">;
  });
  if (!header) throw new Error("the page is empty: no header line");
  return { ...header, docs };
}

/**
 * What the transport hands the sync engine for an answer: a page sent as lines read as it streams, anything else
 * (JSON pages, errors with their `error.code`) as JSON. A page cut or broken on the way is no answer (`ok: false`):
 * the engine counts the pass as offline and asks again from its cursor, so half a page is never stored.
 */
export async function answerOf(res: Response): Promise<TransportAnswer> {
  if (!(res.headers.get("content-type") ?? "").startsWith(NDJSON)) {
    return { ok: true, status: res.status, body: await res.json().catch(() => null) };
  }
  if (!res.body) return { ok: false, error: "pull page without a body" };
  try {
    return { ok: true, status: res.status, body: await readPullPage(res.body) };
  } catch (e) {
    return { ok: false, error: `pull page unreadable: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A turn for the page's other tasks: `scheduler.yield()` where the browser has it (it keeps our place in line). */
function yieldToPage(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  return scheduler?.yield ? scheduler.yield() : new Promise((resolve) => setTimeout(resolve, 0));
}
