import { createHash, randomBytes } from "node:crypto";

/**
 * RFC 3161 time-stamping, the few DER structures it needs: the request (a fixed shape) is written by hand, and the
 * reply is read only as far as its status, its genTime, the imprint and nonce it answers, and the certificates it
 * carries. The signature itself is checked by whoever reads the pack (`openssl ts -verify`), against the TSA's
 * published certificate: a check here would prove nothing to them.
 */

const SHA256_OID = Buffer.from([0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]);

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

/** A positive INTEGER from unsigned big-endian bytes (a leading zero when the top bit is set). */
function integer(bytes: Buffer): Buffer {
  let b = bytes;
  while (b.length > 1 && b[0] === 0 && (b[1]! & 0x80) === 0) b = b.subarray(1);
  return tlv(0x02, b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}

export interface StampRequest {
  /** The DER TimeStampReq, sent as `application/timestamp-query`. */
  der: Buffer;
  /** SHA-256 of the data stamped. */
  imprint: Buffer;
  nonce: Buffer;
}

/** TimeStampReq { version 1, messageImprint (SHA-256 of `data`), nonce, certReq TRUE }. */
export function stampRequest(data: Uint8Array, nonce: Buffer = randomBytes(8)): StampRequest {
  const imprint = createHash("sha256").update(data).digest();
  const algorithm = tlv(0x30, SHA256_OID, Buffer.from([0x05, 0x00]));
  const der = tlv(0x30, integer(Buffer.from([1])), tlv(0x30, algorithm, tlv(0x04, imprint)), integer(nonce), Buffer.from([0x01, 0x01, 0xff]));
  return { der, imprint, nonce };
}

// ————— Reading DER —————

interface Node {
  tag: number;
  /** The whole element, header included. */
  raw: Buffer;
  content: Buffer;
}

function read(buf: Buffer, at = 0): Node & { end: number } {
  if (at + 2 > buf.length) throw new Error("DER tronqué");
  const tag = buf[at]!;
  let len = buf[at + 1]!;
  let head = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || at + 2 + n > buf.length) throw new Error("longueur DER invalide");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[at + 2 + i]!;
    head += n;
  }
  const end = at + head + len;
  if (end > buf.length) throw new Error("DER tronqué");
  return { tag, raw: buf.subarray(at, end), content: buf.subarray(at + head, end), end };
}

function children(node: Node): Node[] {
  const out: Node[] = [];
  for (let at = 0; at < node.content.length; ) {
    const n = read(node.content, at);
    out.push(n);
    at = n.end;
  }
  return out;
}

function unsigned(content: Buffer): Buffer {
  let b = content;
  while (b.length > 1 && b[0] === 0) b = b.subarray(1);
  return b;
}

/** PKIStatus: 0 granted, 1 grantedWithMods, 2 rejection, 3 waiting, 4 revocationWarning, 5 revocationNotification. */
export interface StampReply {
  status: number;
  /** The TSA's statusString, when it gave one. */
  statusText: string | null;
  /** The token's genTime as an ISO instant (granted replies only). */
  genTime: string | null;
  serial: string | null;
  /** The certificates the token carries (DER), the TSA's first when it sent its chain. */
  certificates: Buffer[];
  imprint: Buffer | null;
  nonce: Buffer | null;
}

/** "20261122090001Z" or "20261122090001.123Z" → ISO. */
function generalizedTime(text: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d+)?Z$/.exec(text);
  if (!m) throw new Error(`genTime illisible : ${text}`);
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ? m[7].slice(0, 4) : ""}Z`).toISOString();
}

/** Reads a TimeStampResp far enough to store it (throws on something that is not one). */
export function parseStampReply(der: Uint8Array): StampReply {
  const buf = Buffer.from(der);
  const top = read(buf);
  if (top.tag !== 0x30 || top.end !== buf.length) throw new Error("réponse d'horodatage illisible");
  const [statusInfo, token] = children(top);
  if (!statusInfo || statusInfo.tag !== 0x30) throw new Error("réponse d'horodatage sans statut");
  const parts = children(statusInfo);
  const status = Number(unsigned(parts[0]!.content).readUIntBE(0, Math.min(6, unsigned(parts[0]!.content).length)));
  const free = parts.find((p) => p.tag === 0x30);
  const statusText = free ? children(free).map((s) => s.content.toString("utf8")).join(" ; ") : null;
  const reply: StampReply = { status, statusText, genTime: null, serial: null, certificates: [], imprint: null, nonce: null };
  if (!token) return reply;
  // ContentInfo { signedData OID, [0] SignedData { version, digestAlgorithms, encapContentInfo, [0] certificates?, … } }
  const signed = children(children(children(token)[1]!)[0]!);
  const encap = signed[2]!;
  const eContent = children(children(encap)[1]!)[0]!;
  const tst = children(read(eContent.content));
  // TSTInfo { version, policy, messageImprint, serialNumber, genTime, accuracy?, ordering?, nonce?, … }
  reply.imprint = children(tst[2]!)[1]!.content;
  reply.serial = unsigned(tst[3]!.content).toString("hex");
  reply.genTime = generalizedTime(tst[4]!.content.toString("latin1"));
  reply.nonce = (() => {
    const n = tst.slice(5).find((x) => x.tag === 0x02);
    return n ? unsigned(n.content) : null;
  })();
  const certs = signed.find((x) => x.tag === 0xa0);
  if (certs) reply.certificates = children(certs).filter((c) => c.tag === 0x30).map((c) => Buffer.from(c.raw));
  return reply;
}

/** Why a reply does not answer this request, or null when it does (granted, same imprint, same nonce). */
export function replyProblem(request: StampRequest, reply: StampReply): string | null {
  if (reply.status !== 0 && reply.status !== 1) return `horodatage refusé par l'autorité (statut ${reply.status}${reply.statusText ? ` : ${reply.statusText}` : ""})`;
  if (!reply.genTime || !reply.imprint) return "réponse accordée sans jeton";
  if (!reply.imprint.equals(request.imprint)) return "le jeton ne porte pas l'empreinte demandée";
  if (!reply.nonce || !reply.nonce.equals(unsigned(request.nonce))) return "le jeton ne porte pas le nonce demandé";
  return null;
}

export function pem(der: Buffer, label = "CERTIFICATE"): string {
  const b64 = der.toString("base64").replace(/.{1,64}/g, "$&\n");
  return `-----BEGIN ${label}-----\n${b64}-----END ${label}-----\n`;
}
