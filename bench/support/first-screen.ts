import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

// The bytes a phone downloads before its first screen can be used, read from the built client (dist/client) and
// its Vite manifest: index.html, the entry chunk and everything it imports statically (what index.html
// modulepreloads), their CSS — and, for a screen loaded on demand (the sign-in form, Aujourd'hui), that screen's
// chunk and its own static imports. Dynamic imports stay out: they load later. Compressed here with gzip -9 and
// brotli 11, both deterministic, so CI can hold the result to a budget (budgets.json) where time it cannot.

export type Kind = "js" | "css" | "html";
export const KINDS: readonly Kind[] = ["js", "css", "html"];

export interface FileSize {
  /** A name that survives a rebuild: the chunk's name without its content hash (`index.js`, `web.js`, `index.css`). */
  name: string;
  /** Path under the client folder, hash included. */
  file: string;
  kind: Kind;
  raw: number;
  gzip: number;
  brotli: number;
}

export interface Totals {
  raw: number;
  gzip: number;
  brotli: number;
}

export interface ScreenSize {
  screen: string;
  files: FileSize[];
  totals: Record<Kind, Totals>;
}

/** One chunk of `.vite/manifest.json`, as Vite writes it. */
interface ManifestChunk {
  file: string;
  name?: string;
  src?: string;
  isEntry?: boolean;
  imports?: string[];
  css?: string[];
}

export interface ScreenBudget {
  /** Manifest keys (sources relative to client/) loaded on demand for this screen; none for the shell alone. */
  sources: string[];
  /** Gzip bytes allowed, each kind summed over the screen's files. */
  budget: Record<Kind, number>;
  /** Gzip bytes of each file when the budget was last written: says what grew. */
  files: Record<string, number>;
}

export interface BudgetFile {
  comment?: string;
  /** Head room given by `npm run budget -- --write` above the sizes it measures (0.02 = 2 %). */
  margin: number;
  screens: Record<string, ScreenBudget>;
}

export const BUDGET_PATH = "budgets.json";
export const MANIFEST_PATH = ".vite/manifest.json";

/** The files each screen needs, with their compressed sizes. `screens` maps a screen's name to its on-demand sources. */
export function measureScreens(clientDir: string, screens: Record<string, string[]>): ScreenSize[] {
  const manifestFile = join(clientDir, MANIFEST_PATH);
  if (!existsSync(manifestFile)) throw new Error(`${manifestFile} is missing: the client must be built with build.manifest (vite.config.ts)`);
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as Record<string, ManifestChunk>;
  const entries = Object.keys(manifest).filter((key) => manifest[key]!.isEntry);
  if (entries.length === 0) throw new Error(`${manifestFile} has no entry chunk`);
  const cache = new Map<string, FileSize>();
  const sizeOf = (file: string, kind: Kind, name: string): FileSize => {
    let size = cache.get(file);
    if (!size) {
      size = { name, file, kind, ...compressedSizes(readFileSync(join(clientDir, file))) };
      cache.set(file, size);
    }
    return size;
  };

  return Object.entries(screens).map(([screen, sources]) => {
    for (const source of sources) {
      if (!manifest[source]) throw new Error(`screen "${screen}": ${source} is not a chunk of the build (moved or renamed? update ${BUDGET_PATH})`);
    }
    const files: FileSize[] = [sizeOf("index.html", "html", "index.html")];
    const seen = new Set<string>();
    const visit = (key: string) => {
      if (seen.has(key)) return;
      seen.add(key);
      const chunk = manifest[key];
      if (!chunk) throw new Error(`${MANIFEST_PATH} names ${key} as an import but has no such chunk`);
      files.push(sizeOf(chunk.file, "js", `${chunk.name ?? stableName(chunk.file)}.js`));
      for (const css of chunk.css ?? []) files.push(sizeOf(css, "css", `${stableName(css)}.css`));
      for (const imported of chunk.imports ?? []) visit(imported);
    };
    for (const key of [...entries, ...sources]) visit(key);
    const unique = [...new Map(files.map((f) => [f.file, f])).values()];
    return { screen, files: unique, totals: totalsOf(unique) };
  });
}

export function compressedSizes(bytes: Buffer): Totals {
  return {
    raw: bytes.byteLength,
    gzip: gzipSync(bytes, { level: 9 }).byteLength,
    brotli: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength },
    }).byteLength,
  };
}

function totalsOf(files: FileSize[]): Record<Kind, Totals> {
  const totals = Object.fromEntries(KINDS.map((k) => [k, { raw: 0, gzip: 0, brotli: 0 }])) as Record<Kind, Totals>;
  for (const f of files) {
    totals[f.kind].raw += f.raw;
    totals[f.kind].gzip += f.gzip;
    totals[f.kind].brotli += f.brotli;
  }
  return totals;
}

/** `assets/preload-helper-7y9sWmk5.js` → `preload-helper`: Vite's content hash is 8 characters after the last name part. */
function stableName(file: string): string {
  const base = file.split("/").pop()!.replace(/\.\w+$/, "");
  return base.replace(/-[\w-]{8}$/, "");
}

/** Gzip bytes by stable file name; two chunks sharing a name (two `labels` modules) are summed. */
export function gzipByName(files: FileSize[]): Record<string, number> {
  const byName: Record<string, number> = {};
  for (const f of [...files].sort((a, b) => a.name.localeCompare(b.name))) byName[f.name] = (byName[f.name] ?? 0) + f.gzip;
  return byName;
}

/**
 * What is over budget, one line each, with the sizes, the budget and the files that grew since the budget was
 * written (new, larger or gone). Empty when every screen fits. Screens measured but not in the budget are over it.
 */
export function overBudget(measured: ScreenSize[], budget: BudgetFile): string[] {
  const problems: string[] = [];
  for (const size of measured) {
    const screen = budget.screens[size.screen];
    if (!screen) {
      problems.push(`screen "${size.screen}" has no budget in ${BUDGET_PATH}`);
      continue;
    }
    const over = KINDS.filter((k) => size.totals[k].gzip > screen.budget[k]);
    if (over.length === 0) continue;
    const lines = over.map((k) => `${k} ${size.totals[k].gzip} B gzip > budget ${screen.budget[k]} B (+${size.totals[k].gzip - screen.budget[k]} B)`);
    problems.push(`first screen "${size.screen}" over budget: ${lines.join("; ")}\n${grew(gzipByName(size.files), screen.files)}`);
  }
  return problems;
}

/** The per-file difference with the recorded list, largest growth first. */
export function grew(now: Record<string, number>, recorded: Record<string, number>): string {
  const lines: Array<[number, string]> = [];
  for (const [name, bytes] of Object.entries(now)) {
    const before = recorded[name];
    if (before === undefined) lines.push([bytes, `  new   ${name}: ${bytes} B gzip`]);
    else if (bytes !== before) lines.push([bytes - before, `  ${bytes > before ? "grew " : "shrank"} ${name}: ${before} → ${bytes} B gzip (${bytes > before ? "+" : ""}${bytes - before} B)`]);
  }
  for (const [name, bytes] of Object.entries(recorded)) {
    if (now[name] === undefined) lines.push([-bytes, `  gone  ${name}: was ${bytes} B gzip`]);
  }
  if (lines.length === 0) return "  no file changed since the budget was written";
  return lines
    .sort((a, b) => b[0] - a[0])
    .map(([, line]) => line)
    .join("\n");
}

/** A new budget: the measured sizes plus the margin, rounded up to 100 bytes; the per-file list as measured. */
export function budgetFor(measured: ScreenSize[], previous: BudgetFile): BudgetFile {
  const screens: Record<string, ScreenBudget> = {};
  for (const size of measured) {
    const budget = Object.fromEntries(KINDS.map((k) => [k, Math.ceil((size.totals[k].gzip * (1 + previous.margin)) / 100) * 100])) as Record<Kind, number>;
    screens[size.screen] = { sources: previous.screens[size.screen]?.sources ?? [], budget, files: gzipByName(size.files) };
  }
  return { ...previous, screens };
}

export function readBudget(root = "."): BudgetFile {
  return JSON.parse(readFileSync(join(root, BUDGET_PATH), "utf8")) as BudgetFile;
}

export function writeBudget(budget: BudgetFile, root = "."): void {
  writeFileSync(join(root, BUDGET_PATH), `${JSON.stringify(budget, null, 2)}\n`);
}

/** The screens a budget file names, with their on-demand sources: what `measureScreens` takes. */
export function screensOf(budget: BudgetFile): Record<string, string[]> {
  return Object.fromEntries(Object.entries(budget.screens).map(([name, s]) => [name, s.sources]));
}

/** A table for people: each screen's files with raw, gzip and brotli bytes, then the totals by kind. */
export function formatScreens(measured: ScreenSize[], budget?: BudgetFile): string {
  const kb = (n: number) => `${(n / 1000).toFixed(1)} kB`.padStart(9);
  const out: string[] = [];
  for (const size of measured) {
    out.push(`first screen "${size.screen}" (gzip -9 / brotli 11 / raw):`);
    for (const f of [...size.files].sort((a, b) => b.gzip - a.gzip)) {
      out.push(`  ${f.file.padEnd(42)} ${kb(f.gzip)} gz ${kb(f.brotli)} br ${kb(f.raw)} raw`);
    }
    for (const k of KINDS) {
      const t = size.totals[k];
      const limit = budget?.screens[size.screen]?.budget[k];
      out.push(`  total ${k.padEnd(36)} ${kb(t.gzip)} gz ${kb(t.brotli)} br ${kb(t.raw)} raw  = ${t.gzip} B gz, ${t.brotli} B br${limit === undefined ? "" : ` (budget ${limit} B gz)`}`);
    }
  }
  return out.join("\n");
}
