import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { afterAll, describe, expect, it } from "vitest";
import { copyServerDatabase, dumpUrl, StatementSplitter } from "../../../server/backup/dump";

// How a libSQL server's dump (sqld's `GET /dump`, text as libsql-server's `export_dump` writes it) is cut into
// statements and loaded into a file: triggers whose bodies hold `;` and `CASE … END`, quotes, comments, a NUL in a
// string, whatever the pieces the text arrives in; and a dump cut short is refused and leaves no file.

const tmp = mkdtempSync(join(tmpdir(), "cadenas-dump-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const DUMP = [
  "PRAGMA foreign_keys=OFF;",
  "BEGIN TRANSACTION;",
  "CREATE TABLE IF NOT EXISTS t(id integer primary key, s text, b blob);",
  "INSERT INTO t VALUES(1,'it''s; fine',X'00ff');",
  "INSERT INTO t VALUES(2,replace('two\\nlines','\\n',char(10)),NULL);",
  "INSERT INTO t VALUES(3,'nul\u0000inside',NULL);",
  'CREATE TABLE IF NOT EXISTS "odd;name"(x text /* a ; in a comment */, y text -- and here ;\n);',
  "CREATE TRIGGER t_guard BEFORE DELETE ON t BEGIN\n  SELECT CASE WHEN old.id = 1 THEN RAISE(ABORT, 'kept; always') END;\n  SELECT 1;\nEND;",
  "CREATE VIEW v AS SELECT s FROM t;",
  "COMMIT;",
].join("\n");

describe("StatementSplitter", () => {
  it("cuts a dump into its statements however the text is split into pieces", () => {
    const whole = new StatementSplitter().push(DUMP);
    expect(whole.map((s) => s.trim().slice(0, 18))).toEqual([
      "PRAGMA foreign_key",
      "BEGIN TRANSACTION;",
      "CREATE TABLE IF NO",
      "INSERT INTO t VALU",
      "INSERT INTO t VALU",
      "INSERT INTO t VALU",
      'CREATE TABLE IF NO',
      "CREATE TRIGGER t_g",
      "CREATE VIEW v AS S",
      "COMMIT;",
    ]);
    expect(whole[5]).toContain("'nul'||char(0)||'inside'");
    for (let size = 1; size <= 7; size++) {
      const splitter = new StatementSplitter();
      const pieces: string[] = [];
      for (let i = 0; i < DUMP.length; i += size) pieces.push(...splitter.push(DUMP.slice(i, i + size)));
      expect(pieces, `pieces of ${size}`).toEqual(whole);
      expect(splitter.end().trim()).toBe("");
    }
  });

  it("reads libSQL URLs as the HTTP address of their dump", () => {
    expect(dumpUrl("http://127.0.0.1:8081")).toBe("http://127.0.0.1:8081/dump");
    expect(dumpUrl("libsql://db.example.org")).toBe("https://db.example.org/dump");
    expect(dumpUrl("libsql://127.0.0.1:8081?tls=0")).toBe("http://127.0.0.1:8081/dump");
    expect(dumpUrl("wss://db.example.org/")).toBe("https://db.example.org/dump");
  });
});

describe("copyServerDatabase", () => {
  const serve = async (body: string, cut = false): Promise<{ url: string; server: Server }> => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      if (cut) {
        // Once the beginning is sent: the connection drops mid-dump, as when sqld stops.
        res.write(body, () => res.socket?.destroy());
      } else res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const address = server.address();
    return { url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`, server };
  };

  it("loads a whole dump: rows, NUL, trigger and view", async () => {
    const { url, server } = await serve(DUMP);
    const target = join(tmp, "whole.db");
    try {
      await copyServerDatabase({ url }, target);
      const db = createClient({ url: `file:${target}` });
      try {
        // hex() for the NUL: the driver reads text up to a NUL, SQLite keeps all of it.
        expect((await db.execute("SELECT id, hex(s) AS s, hex(b) AS b FROM t ORDER BY id")).rows.map((r) => [r.id, Buffer.from(String(r.s), "hex").toString(), r.b])).toEqual([
          [1, "it's; fine", "00FF"],
          [2, "two\nlines", ""],
          [3, "nul\u0000inside", ""],
        ]);
        await expect(db.execute("DELETE FROM t WHERE id = 1")).rejects.toThrow(/kept; always/);
        expect((await db.execute("SELECT count(*) AS n FROM v")).rows[0]!.n).toBe(3);
      } finally {
        db.close();
      }
    } finally {
      server.close();
    }
  });

  it("refuses a dump that ends before its COMMIT, and leaves no file", async () => {
    for (const cut of [false, true]) {
      const { url, server } = await serve(DUMP.slice(0, DUMP.indexOf("CREATE VIEW")), cut);
      const target = join(tmp, `cut-${cut}.db`);
      try {
        await expect(copyServerDatabase({ url }, target)).rejects.toThrow(cut ? /was cut short/ : /ended before its COMMIT/);
        expect(existsSync(target)).toBe(false);
      } finally {
        server.close();
      }
    }
  });

  it("says when the server refuses the dump", async () => {
    const server = createServer((_req, res) => res.writeHead(401).end("unauthorized"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const address = server.address();
    try {
      await expect(copyServerDatabase({ url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`, authToken: "x" }, join(tmp, "refused.db"))).rejects.toThrow(/refused GET \/dump: HTTP 401 unauthorized/);
    } finally {
      server.close();
    }
  });
});
