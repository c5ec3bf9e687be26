import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// `npm start` builds the client only when its sources changed since the last build: the build records a hash
// of everything it read (client/, shared/, public/, the Vite config and the lock file) beside its output.

const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
const INPUTS = ["client", "shared", "public", "vite.config.ts", "package-lock.json", "server/cli/client-build.ts"];
const STAMP = ".build-hash";

export async function ensureClientBuilt(outDir = join(ROOT, "dist/client"), log: (line: string) => void = console.log): Promise<void> {
  const hash = sourcesHash();
  const stampPath = join(outDir, STAMP);
  if (existsSync(join(outDir, "index.html")) && existsSync(stampPath) && readFileSync(stampPath, "utf8") === hash) return;
  log("Building the client…");
  const { build } = await import("vite");
  // Vite picks the libraries' builds by NODE_ENV: under vitest ("test") or a shell that set "development" the phone
  // would get Solid's development build — larger, slower, and checked by no budget. The client is always built
  // for production.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    await build({ configFile: join(ROOT, "vite.config.ts"), root: join(ROOT, "client"), logLevel: "warn", mode: "production", build: { outDir } });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  writeFileSync(stampPath, hash);
}

function sourcesHash(): string {
  const digest = createHash("sha256");
  for (const file of INPUTS.flatMap((p) => filesUnder(join(ROOT, p))).sort()) {
    digest.update(relative(ROOT, file)).update("\0").update(readFileSync(file)).update("\0");
  }
  return digest.digest("hex");
}

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  // Tools keep caches in node_modules folders (vitest writes its results under client/): not sources.
  return readdirSync(path)
    .filter((name) => name !== "node_modules")
    .flatMap((name) => filesUnder(join(path, name)));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await ensureClientBuilt();
}
