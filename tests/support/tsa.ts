import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
export const OPENSSL = "/usr/bin/openssl";

/**
 * A local RFC 3161 time-stamping authority: OpenSSL's `ts -reply` answers each POSTed query, signed by a TSA
 * certificate issued by a test CA. Both are generated when the test runs (ten years from the current clock, a moved
 * one included): fixed certificates would expire. Like a real TSA it answers a malformed query with a rejection
 * (status 2, badDataFormat) and anything but `application/timestamp-query` with 415; `down` makes it answer 503.
 */
export interface FakeTsa {
  url: string;
  /** The test CA's certificate (PEM file): `-CAfile` of `openssl ts -verify`. */
  caFile: string;
  dir: string;
  /** Answer 503 to every request while true. */
  down: boolean;
  /** Requests received (any answer). */
  requests: number;
  close(): Promise<void>;
}

const CONFIG = (dir: string) => `
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = placeholder
[ ca_ext ]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ tsa_ext ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = ${dir}
serial = ${dir}/serial
crypto_device = builtin
signer_cert = ${dir}/tsa.crt
certs = ${dir}/ca.crt
signer_key = ${dir}/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = yes
ess_cert_id_alg = sha256
`;

/** TimeStampResp { PKIStatusInfo { rejection, "…", failInfo badDataFormat } }, DER, as a TSA answers a query it cannot read. */
function rejection(text: string): Buffer {
  const tlv = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag, body.length]), body]);
  const status = Buffer.concat([
    tlv(0x02, Buffer.from([2])),
    tlv(0x30, tlv(0x0c, Buffer.from(text, "utf8"))),
    // BIT STRING, bit 5 (badDataFormat): one byte, 2 unused bits → 0b00000100.
    tlv(0x03, Buffer.from([0x02, 0x04])),
  ]);
  return tlv(0x30, tlv(0x30, status));
}

export async function startFakeTsa(): Promise<FakeTsa> {
  const dir = mkdtempSync(join(tmpdir(), "cadenas-tsa-"));
  const cnf = join(dir, "ts.cnf");
  writeFileSync(cnf, CONFIG(dir));
  writeFileSync(join(dir, "serial"), "01\n");
  const ssl = (...args: string[]) => run(OPENSSL, args, { cwd: dir });
  await ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "3650", "-subj", "/CN=Cadenas test CA", "-config", cnf, "-extensions", "ca_ext");
  await ssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", "/CN=Cadenas test TSA", "-config", cnf);
  await ssl("x509", "-req", "-in", "tsa.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "tsa.crt", "-days", "3650", "-extfile", cnf, "-extensions", "tsa_ext");

  let n = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      tsa.requests++;
      const answer = (status: number, body: Buffer | string, type = "text/plain") => {
        res.writeHead(status, { "content-type": type });
        res.end(body);
      };
      if (tsa.down) return answer(503, "Service Unavailable");
      if (req.method !== "POST") return answer(405, "POST only");
      if (req.headers["content-type"] !== "application/timestamp-query") return answer(415, "application/timestamp-query expected");
      const id = ++n;
      const query = join(dir, `q${id}.tsq`);
      const reply = join(dir, `r${id}.tsr`);
      writeFileSync(query, Buffer.concat(chunks));
      ssl("ts", "-reply", "-queryfile", query, "-config", cnf, "-out", reply)
        .then(() => answer(200, readFileSync(reply), "application/timestamp-reply"))
        .catch(() => answer(200, rejection("requête illisible"), "application/timestamp-reply"));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const tsa: FakeTsa = {
    url: `http://127.0.0.1:${port}/tsa`,
    caFile: join(dir, "ca.crt"),
    dir,
    down: false,
    requests: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        server.closeAllConnections();
      }),
  };
  return tsa;
}
