import { randomUUID } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Readable } from "node:stream";
import { AwsClient } from "aws4fetch";
import type { StorageConfig } from "../env";
import { AppError } from "../errors";

/**
 * Where the server keeps the files it must not lose: photos and signatures (under their SHA-256), hand-over ZIPs,
 * printed letters' PDFs. The data folder by default (`DATA_DIR`, the layout of every earlier version), or an
 * S3-compatible bucket (`STORAGE_URL=s3://bucket/prefix`) when several processes or machines share them. Keys are the
 * paths the data folder has always used (`blobs/ab/cd/<sha>`, `letters/<batch>.pdf`), so that moving a folder to a
 * bucket is a copy. What is only on its way stays in DATA_DIR whatever the store: the pieces of an upload, the
 * outbox's files, backups. Nothing in the store is ever served by its own address: the API reads it and applies
 * the same site checks as for the data folder.
 */
export interface Store {
  /** Said in logs and backup manifests: the data folder, or `s3://bucket/prefix`. */
  readonly location: string;
  readonly kind: "file" | "s3";
  /** Written whole or not at all: a reader never sees half a file. */
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  /** The bytes, or null when there is no such key. */
  get(key: string): Promise<Buffer | null>;
  /** The bytes as a stream (a backup copies large files without holding them), or null when there is no such key. */
  open(key: string): Promise<Readable | null>;
  has(key: string): Promise<boolean>;
  /** Nothing happens for a key that is not there. */
  delete(key: string): Promise<void>;
}

/** Where a photo's (or any content-addressed file's) bytes are kept: under their SHA-256, in two levels of folders. */
export const blobKey = (sha: string) => `blobs/${sha.slice(0, 2)}/${sha.slice(2, 4)}/${sha}`;

/**
 * The store of the server whose data folder this is. The many functions that read photos and letters were given the
 * data folder long before there was a choice of store, and a test process runs several servers, each with its own
 * folder: so a server registers its store under its folder when it starts (`useStore`), and a folder no server
 * registered (a restored backup, a command-line check) is read as the data folder it is.
 */
export function storeOf(dataDir: string): Store {
  return registered.get(resolve(dataDir)) ?? fileStore(dataDir);
}

/** Registers a server's store under its data folder until the returned function is called (at stop). */
export function useStore(dataDir: string, store: Store): () => void {
  const key = resolve(dataDir);
  registered.set(key, store);
  return () => {
    if (registered.get(key) === store) registered.delete(key);
  };
}

const registered = new Map<string, Store>();

/** The store `STORAGE_URL` names: the data folder when unset. */
export function openStore(config: { dataDir: string; storage: StorageConfig }): Store {
  return config.storage.kind === "s3" ? s3Store(config.storage) : fileStore(config.dataDir);
}

/** Files under the data folder, written beside their place and renamed. */
export function fileStore(dataDir: string): Store {
  const path = (key: string) => join(dataDir, key);
  return {
    location: dataDir,
    kind: "file",
    async put(key, bytes) {
      const target = path(key);
      mkdirSync(dirname(target), { recursive: true });
      const temp = `${target}.${randomUUID()}.tmp`;
      writeFileSync(temp, bytes);
      renameSync(temp, target);
    },
    async get(key) {
      const target = path(key);
      return existsSync(target) ? readFileSync(target) : null;
    },
    async open(key) {
      const target = path(key);
      return existsSync(target) ? createReadStream(target) : null;
    },
    async has(key) {
      return existsSync(path(key));
    },
    async delete(key) {
      rmSync(path(key), { force: true });
    },
  };
}

/**
 * Objects in an S3-compatible bucket, addressed path-style (`ENDPOINT/bucket/prefix/key`: MinIO, Garage, Ceph,
 * Scaleway, OVH and AWS all answer it). A store that does not answer, or answers 5xx or 429, is a passing fault:
 * tried again twice here, then `STORAGE_UNAVAILABLE` (503 with Retry-After), which a phone treats as "try later" —
 * and since a photo is recorded only after the store took it, nothing is marked received meanwhile.
 */
export function s3Store(config: Extract<StorageConfig, { kind: "s3" }>): Store {
  const client = new AwsClient({ accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey, region: config.region, service: "s3", retries: 2, initRetryMs: 100 });
  const base = `${config.endpoint}/${encodeURIComponent(config.bucket)}/`;
  const url = (key: string) => base + `${config.prefix}${key}`.split("/").map(encodeURIComponent).join("/");
  const request = async (method: string, key: string, init: RequestInit = {}): Promise<Response> => {
    let res: Response;
    try {
      res = await client.fetch(url(key), { method, ...init });
    } catch (e) {
      throw unavailable(config.url, (e as Error).cause ? String((e as Error & { cause: unknown }).cause) : (e as Error).message);
    }
    if (res.status >= 500 || res.status === 429) {
      await res.body?.cancel();
      throw unavailable(config.url, `HTTP ${res.status}`);
    }
    return res;
  };
  const refused = async (res: Response, what: string) => new Error(`Object storage ${config.url} refused ${what}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
  return {
    location: config.url,
    kind: "s3",
    async put(key, bytes, contentType) {
      const res = await request("PUT", key, { body: bytes as Uint8Array<ArrayBuffer>, headers: { "content-type": contentType } });
      if (!res.ok) throw await refused(res, `to store ${key}`);
      await res.body?.cancel();
    },
    async get(key) {
      const res = await request("GET", key);
      if (res.status === 404) {
        await res.body?.cancel();
        return null;
      }
      if (!res.ok) throw await refused(res, `to give ${key}`);
      return Buffer.from(await res.arrayBuffer());
    },
    async open(key) {
      const res = await request("GET", key);
      if (res.status === 404) {
        await res.body?.cancel();
        return null;
      }
      if (!res.ok || !res.body) throw await refused(res, `to give ${key}`);
      return Readable.fromWeb(res.body as import("node:stream/web").ReadableStream<Uint8Array>);
    },
    async has(key) {
      const res = await request("HEAD", key);
      await res.body?.cancel();
      if (res.status === 404) return false;
      if (!res.ok) throw new Error(`Object storage ${config.url} refused to tell whether ${key} is there: HTTP ${res.status}`);
      return true;
    },
    async delete(key) {
      const res = await request("DELETE", key);
      if (!res.ok && res.status !== 404) throw await refused(res, `to delete ${key}`);
      await res.body?.cancel();
    },
  };
}

function unavailable(location: string, why: string): AppError {
  console.error(`[cadenas] object storage ${location} unavailable: ${why}`);
  return new AppError(
    "STORAGE_UNAVAILABLE",
    "Le stockage des photos et des courriers ne répond pas pour l'instant : rien n'a été enregistré, réessayez dans un moment.",
    undefined,
    { "retry-after": "30" },
  );
}
