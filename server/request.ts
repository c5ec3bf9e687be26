import { BlockList, isIP } from "node:net";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";

/**
 * What a request says about where it comes from. Behind a reverse proxy that ends TLS, the socket is the proxy's:
 * the browser's address and scheme are in `X-Forwarded-For` / `X-Forwarded-Proto`, which anybody can also write.
 * They are believed only when the socket's address is one of the proxies `TRUST_PROXY` names.
 */

/** `TRUST_PROXY`: `loopback`, addresses or CIDR ranges, comma-separated; empty: no proxy is trusted. */
export function parseTrustedProxies(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

/** Why a `TRUST_PROXY` entry is wrong, or null when every entry is an address, a range or `loopback`. */
export function trustedProxyError(entries: string[]): string | null {
  for (const entry of entries) {
    if (entry === "loopback") continue;
    const [address, bits, extra] = entry.split("/");
    const family = isIP(address ?? "");
    const maxBits = family === 6 ? 128 : 32;
    if (family === 0 || extra !== undefined || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= maxBits))) {
      return `« ${entry} » is not an address, a CIDR range (10.0.0.0/8) or loopback`;
    }
  }
  return null;
}

const lists = new WeakMap<readonly string[], BlockList>();

function trustList(entries: readonly string[]): BlockList {
  let list = lists.get(entries);
  if (!list) {
    list = new BlockList();
    for (const entry of entries) {
      if (entry === "loopback") {
        list.addSubnet("127.0.0.0", 8, "ipv4");
        list.addAddress("::1", "ipv6");
        continue;
      }
      const [address = "", bits] = entry.split("/");
      const family = isIP(address) === 6 ? "ipv6" : "ipv4";
      if (bits === undefined) list.addAddress(address, family);
      else list.addSubnet(address, Number(bits), family);
    }
    lists.set(entries, list);
  }
  return list;
}

/** Whether an address is one of the trusted proxies (IPv4-mapped IPv6 addresses count as their IPv4). */
export function isTrustedProxy(entries: readonly string[], address: string | undefined): boolean {
  if (!address || entries.length === 0) return false;
  const plain = address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  const family = isIP(plain);
  if (family === 0) return false;
  return trustList(entries).check(plain, family === 6 ? "ipv6" : "ipv4");
}

function socketAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined; // app.request() in tests has no socket
  }
}

function trustedProxies(c: Context): readonly string[] {
  return (c.get("services") as { config: { trustProxy: readonly string[] } } | undefined)?.config.trustProxy ?? [];
}

/**
 * The browser's address: the socket's, or — when the socket is a trusted proxy — the last address in
 * `X-Forwarded-For` that is not itself a trusted proxy (addresses further left were written by the client).
 */
export function requestAddress(c: Context): string {
  const socket = socketAddress(c);
  const proxies = trustedProxies(c);
  if (!isTrustedProxy(proxies, socket)) return socket ?? "unknown";
  const chain = (c.req.header("x-forwarded-for") ?? "")
    .split(",")
    .map((a) => a.trim())
    .filter((a) => a !== "");
  for (let i = chain.length - 1; i >= 0; i--) {
    if (!isTrustedProxy(proxies, chain[i])) return chain[i]!;
  }
  return chain[0] ?? socket ?? "unknown";
}

/** Whether the browser reached the server over https: the request's own scheme, or a trusted proxy's word. */
export function reachedOverHttps(c: Context): boolean {
  if (new URL(c.req.url).protocol === "https:") return true;
  if (!isTrustedProxy(trustedProxies(c), socketAddress(c))) return false;
  const proto = c.req.header("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  return proto === "https";
}

/** The origin the browser sees this server at (`https://cadenas.example.fr`), from its scheme and `Host`. */
export function requestOrigin(c: Context): string {
  const url = new URL(c.req.url);
  return `${reachedOverHttps(c) ? "https" : "http"}://${c.req.header("host") ?? url.host}`;
}
