import { describe, expect, it, vi } from "vitest";
import { answerOf, readLines, readPullPage } from "../../../client/store/ndjson";
import { pageAsLines } from "../../../shared/sync-lines";

// Issue 19: a pull page read as lines while it streams in, so that parsing it is spread over the network's chunks.
// The chunks are cut by hand, where the network might cut them: mid-line, mid-character, anywhere.

const bytes = (text: string) => new TextEncoder().encode(text);

/** A body giving these chunks, then (when `fail` is set) failing as a dropped connection does. */
function stream(chunks: Uint8Array[], fail?: Error): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]!);
      else if (fail) controller.error(fail);
      else controller.close();
    },
  });
}

/** The text cut into chunks at these byte offsets. */
function cutAt(text: string, ...offsets: number[]): Uint8Array[] {
  const all = bytes(text);
  const ends = [...offsets, all.byteLength];
  return ends.map((end, i) => all.slice(i === 0 ? 0 : ends[i - 1], end));
}

async function linesOf(body: ReadableStream<Uint8Array>): Promise<unknown[]> {
  const out: unknown[] = [];
  await readLines(body, (value) => out.push(value));
  return out;
}

const page = {
  reset: true,
  docs: [
    { customerId: "c1", name: "Hélène Lefèvre" },
    { customerId: "c2", name: "L’Atelier d’Éloïse" },
    { customerId: "c3", name: "Zoë" },
  ],
  removed: [],
  cursor: "42.abc",
  hasMore: true,
  nextPage: "p2",
  lastSeq: 7,
  asOf: "2026-11-22",
};

describe("reading a pull page as lines", () => {
  it("has the browser's streams in the test environment", () => {
    expect(new Response(stream([bytes("x")])).body).toBeInstanceOf(ReadableStream);
  });

  it("gives back lines cut across chunks, in order", async () => {
    const text = `{"a":1}\n{"b":[1,2]}\n{"c":"x"}\n`;
    expect(await linesOf(stream(cutAt(text, 3, 9, 10, 20)))).toEqual([{ a: 1 }, { b: [1, 2] }, { c: "x" }]);
    // One byte a chunk: the worst a network can do.
    const oneByOne = [...bytes(text)].map((b) => new Uint8Array([b]));
    expect(await linesOf(stream(oneByOne))).toEqual([{ a: 1 }, { b: [1, 2] }, { c: "x" }]);
  });

  it("keeps a character whose bytes are split across two chunks", async () => {
    const text = `{"n":"é"}\n{"n":"L’Atelier"}\n`;
    const e = bytes(text).indexOf(0xc3); // é is C3 A9
    const quote = bytes(text).indexOf(0xe2); // ’ is E2 80 99
    expect(await linesOf(stream(cutAt(text, e + 1, quote + 1, quote + 2)))).toEqual([{ n: "é" }, { n: "L’Atelier" }]);
  });

  it("reads a last line without its newline, and an empty body as no lines", async () => {
    expect(await linesOf(stream(cutAt(`{"a":1}\n{"b":2}`, 10)))).toEqual([{ a: 1 }, { b: 2 }]);
    expect(await linesOf(stream([]))).toEqual([]);
    await expect(readPullPage(stream([]))).rejects.toThrow(/empty/);
  });

  it("fails on a cut stream, and on a malformed line naming its number", async () => {
    await expect(linesOf(stream(cutAt(`{"a":1}\n{"b":`, 5), new TypeError("network error")))).rejects.toThrow(/network error/);
    await expect(linesOf(stream([bytes(`{"a":1}\n{"b":2}\n{"c":\n{"d":4}\n`)]))).rejects.toThrow(/line 3 is not JSON/);
  });

  it("gives the page a turn when lines that queued up take long to parse", async () => {
    // Each look at the clock says 5 ms went by: the reader must let a task in between lines of one chunk.
    let clock = 0;
    const now = vi.spyOn(performance, "now").mockImplementation(() => (clock += 5));
    try {
      let otherTaskRan = false;
      const seen: boolean[] = [];
      setTimeout(() => (otherTaskRan = true), 0);
      await readLines(stream([bytes(`1\n2\n3\n4\n5\n6\n`)]), () => seen.push(otherTaskRan));
      expect(seen[0]).toBe(false);
      expect(seen.at(-1)).toBe(true);
    } finally {
      now.mockRestore();
    }
  });

  it("assembles the same page its JSON form holds, accents included", async () => {
    const text = pageAsLines(page);
    expect(text.split("\n")).toHaveLength(page.docs.length + 2);
    const body = stream(cutAt(text, 17, 60, 61, 62, 100, 101));
    expect(await readPullPage(body)).toEqual(page);
  });
});

describe("the transport's answer", () => {
  const lines = (body: ReadableStream<Uint8Array>, status = 200) => new Response(body, { status, headers: { "content-type": "application/x-ndjson; charset=utf-8" } });

  it("reads a page sent as lines, and a JSON page or error as before", async () => {
    expect(await answerOf(lines(stream(cutAt(pageAsLines(page), 40))))).toEqual({ ok: true, status: 200, body: page });
    expect(await answerOf(Response.json(page))).toEqual({ ok: true, status: 200, body: page });
    const refused = Response.json({ error: { code: "VALIDATION", message: "x" } }, { status: 400 });
    expect(await answerOf(refused)).toEqual({ ok: true, status: 400, body: { error: { code: "VALIDATION", message: "x" } } });
  });

  it("makes a page cut on the way, or broken, no answer at all (never half a page)", async () => {
    const text = pageAsLines(page);
    const cut = await answerOf(lines(stream(cutAt(text, 150), new TypeError("network error"))));
    expect(cut).toMatchObject({ ok: false, error: expect.stringMatching(/network error/) });
    const broken = await answerOf(lines(stream([bytes(text.replace(`"c2"`, `"c2`))])));
    expect(broken).toMatchObject({ ok: false, error: expect.stringMatching(/line 3 is not JSON/) });
    const headless = await answerOf(lines(stream([bytes(`{"customerId":"c1"}\n`)])));
    expect(headless).toMatchObject({ ok: false, error: expect.stringMatching(/line 1 is not a page's header/) });
  });
});
