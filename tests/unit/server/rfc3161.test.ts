import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { askTsa } from "../../../server/evidence/timestamps";
import { parseStampReply, pem, replyProblem, stampRequest } from "../../../server/evidence/rfc3161";
import { OPENSSL, startFakeTsa, type FakeTsa } from "../../support/tsa";

const run = promisify(execFile);
const HEAD = "ab".repeat(32);

async function post(tsa: FakeTsa, body: Uint8Array): Promise<Buffer> {
  const res = await fetch(tsa.url, { method: "POST", headers: { "content-type": "application/timestamp-query" }, body: new Uint8Array(body) });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

describe("RFC 3161 with a local TSA", () => {
  let tsa: FakeTsa;
  let dir: string;
  beforeAll(async () => {
    tsa = await startFakeTsa();
    dir = mkdtempSync(join(tmpdir(), "cadenas-ts-"));
  }, 60_000);
  afterAll(async () => {
    await tsa.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes a request OpenSSL reads as SHA-256, with a nonce and certReq", async () => {
    const request = stampRequest(Buffer.from(HEAD, "ascii"), Buffer.from("0102030405060708", "hex"));
    writeFileSync(join(dir, "q.tsq"), request.der);
    const { stdout } = await run(OPENSSL, ["ts", "-query", "-in", join(dir, "q.tsq"), "-text"]);
    expect(stdout).toMatch(/Hash Algorithm: sha256/);
    expect(stdout).toMatch(/Nonce: 0x0102030405060708/);
    expect(stdout).toMatch(/Certificate required: yes/);
    expect(stdout.replace(/\s+/g, " ")).toContain(request.imprint.subarray(0, 4).toString("hex").match(/../g)!.join(" "));
  });

  it("reads a granted reply: genTime, imprint, nonce and the certificates it carries; openssl verifies it", async () => {
    const request = stampRequest(Buffer.from(HEAD, "ascii"), Buffer.from("8102030405060708", "hex"));
    const der = await post(tsa, request.der);
    const reply = parseStampReply(der);
    expect(reply.status).toBe(0);
    expect(replyProblem(request, reply)).toBeNull();
    expect(Math.abs(Date.parse(reply.genTime!) - Date.now())).toBeLessThan(60_000);
    expect(reply.certificates.length).toBe(2);
    writeFileSync(join(dir, "r.tsr"), der);
    writeFileSync(join(dir, "d.data"), HEAD);
    writeFileSync(join(dir, "chain.pem"), reply.certificates.map((c) => pem(c)).join(""));
    const { stdout } = await run(OPENSSL, ["ts", "-verify", "-data", join(dir, "d.data"), "-in", join(dir, "r.tsr"), "-CAfile", join(dir, "chain.pem")]);
    expect(stdout).toMatch(/Verification: OK/);
    // Another request's nonce or imprint is not this reply's.
    expect(replyProblem(stampRequest(Buffer.from(HEAD, "ascii")), reply)).toMatch(/nonce/);
    expect(replyProblem(stampRequest(Buffer.from("x")), reply)).toMatch(/empreinte/);
  });

  it("a malformed request is rejected by the TSA, and askTsa says so", async () => {
    const reply = parseStampReply(await post(tsa, Buffer.from("not a query")));
    expect(reply.status).toBe(2);
    expect(reply.genTime).toBeNull();
    expect(replyProblem(stampRequest(Buffer.from("x")), reply)).toMatch(/refusé.*statut 2/);
  });

  it("a TSA down is a fault askTsa reports (to be retried)", async () => {
    tsa.down = true;
    try {
      await expect(askTsa(tsa.url, HEAD)).rejects.toThrow(/HTTP 503/);
    } finally {
      tsa.down = false;
    }
    const ok = await askTsa(tsa.url, HEAD);
    expect(parseStampReply(ok.token).status).toBe(0);
  });
});
