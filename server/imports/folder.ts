import { mkdir, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { extname, join } from "node:path";
import { guessImportKind } from "../../shared/imports/kinds";
import type { Clock } from "../context";
import { decodeCsv } from "./parse-csv";
import type { ImportQueue } from "./jobs";
import { reportText } from "./report";

export interface ImportFolder {
  stop(): void;
  /** Resolves when a look that began after this call has ended (tests wait on this, not on time). */
  nextLook(): Promise<void>;
  /** Resolves when a look has seen `name` at `size` bytes (a test writing a file slowly waits on this between bursts). */
  whenSeen(name: string, size: number): Promise<void>;
}

export interface ImportFolderOptions {
  dir: string;
  queue: ImportQueue;
  clock: Clock;
  timeZone: string;
  log: (line: string) => void;
  /** Between two looks; a file is taken once two looks in a row saw it the same. */
  everyMs?: number;
}

/** Five seconds between looks: a file is imported five to ten seconds after its writer stopped. */
export const IMPORT_FOLDER_EVERY_MS = 5_000;

/**
 * The drop folder of the billing software's nightly export (`IMPORT_DIR`). Every few seconds it looks at the
 * files there and imports, in name order, those that are complete — seen with the same size and modification
 * time on two looks in a row, and again the same once read, so a file still being written (slowly, in bursts) is
 * never read half-way; names of files in the making (`.part`, `.tmp`, `.crdownload`, `~`, hidden) are left alone.
 * It stops at the first file not yet complete, so that a later file never goes in before an earlier one. Each file
 * goes through the same import queue as the office's screen, is recorded in `import_runs` (source `folder`, no
 * user), then moved to `done/` or `rejected/` with its report beside it (`<name>.rapport.txt`). A fault (not a
 * refusal) leaves the file in place, to be tried again at the next look.
 *
 * One process watches a folder: run a single server with IMPORT_DIR when there are several.
 */
export function startImportFolder(options: ImportFolderOptions): ImportFolder {
  const { dir, queue, clock, log } = options;
  const everyMs = options.everyMs ?? IMPORT_FOLDER_EVERY_MS;
  const seen = new Map<string, { size: number; mtimeMs: number }>();
  let started = 0;
  let finished = 0;
  let waiters: { target: number; resolve: () => void }[] = [];
  let watchers: { name: string; size: number; resolve: () => void }[] = [];
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let lastFault = "";

  const look = async () => {
    started++;
    try {
      await mkdir(join(dir, "done"), { recursive: true });
      await mkdir(join(dir, "rejected"), { recursive: true });
      const names = (await readdir(dir, { withFileTypes: true }))
        .filter((e) => e.isFile() && !inTheMaking(e.name))
        .map((e) => e.name)
        .sort();
      // Every file is looked at, so that each is ready one look after its writer stopped, not one look per file.
      const ready = new Map<string, boolean>();
      for (const name of names) {
        const now = await stat(join(dir, name)).catch(() => null);
        if (!now) continue;
        const before = seen.get(name);
        ready.set(name, before !== undefined && before.size === now.size && before.mtimeMs === now.mtimeMs);
        seen.set(name, { size: now.size, mtimeMs: now.mtimeMs });
        for (const w of watchers.filter((w) => w.name === name && w.size === now.size)) w.resolve();
        watchers = watchers.filter((w) => !(w.name === name && w.size === now.size));
      }
      for (const name of [...seen.keys()]) if (!names.includes(name)) seen.delete(name);
      for (const name of names) {
        if (stopped || !ready.get(name)) break;
        const path = join(dir, name);
        const bytes = await readFile(path);
        const after = await stat(path);
        const before = seen.get(name)!;
        if (after.size !== before.size || after.mtimeMs !== before.mtimeMs || bytes.byteLength !== after.size) {
          seen.set(name, { size: after.size, mtimeMs: after.mtimeMs });
          break;
        }
        const done = await importOne(name, new Uint8Array(bytes));
        if (!done) break;
        seen.delete(name);
      }
      lastFault = "";
    } catch (e) {
      const message = `Import folder ${dir}: ${(e as Error).message}`;
      if (message !== lastFault) log(message);
      lastFault = message;
    } finally {
      finished++;
      const due = waiters.filter((w) => finished >= w.target);
      waiters = waiters.filter((w) => finished < w.target);
      for (const w of due) w.resolve();
      if (!stopped) {
        timer = setTimeout(() => void look(), everyMs);
        timer.unref();
      }
    }
  };

  /** Imports one complete file and moves it with its report; false when a fault left it in place. */
  const importOne = async (name: string, bytes: Uint8Array): Promise<boolean> => {
    const header = decodeCsv(bytes.subarray(0, 4096)).text.split(/\r?\n/)[0] ?? "";
    const kind = guessImportKind(name, header);
    const at = clock.now().toISOString();
    if (!kind) {
      // Not a file of the billing software's four: nothing to record in the history (it has no kind), only moved.
      await moveWithReport(name, "rejected", `Fichier : ${name}\nRésultat : refusé — type inconnu : ni le nom (clients…, contrats…, factures…, reglements…) ni l'en-tête ne disent ce que contient le fichier.\n`);
      log(`Import folder: ${name} refused (unknown kind).`);
      return true;
    }
    let report;
    try {
      report = await queue.submit(kind, bytes, { fileName: name, userId: null, source: "folder", at: new Date(at) }).report;
    } catch (e) {
      log(`Import folder: ${name} not imported, will try again (${(e as Error).message}).`);
      return false;
    }
    await moveWithReport(name, report.ok ? "done" : "rejected", reportText({ ...report, at }, options.timeZone));
    log(`Import folder: ${name} (${kind}) ${report.ok ? `imported, ${report.created} created, ${report.updated} updated` : `refused, ${report.errors.length} problem(s)`}.`);
    return true;
  };

  const moveWithReport = async (name: string, to: "done" | "rejected", text: string) => {
    const target = freeName(join(dir, to), name);
    await rename(join(dir, name), join(dir, to, target));
    await writeFile(join(dir, to, `${target}.rapport.txt`), text);
  };

  void look();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    nextLook() {
      return new Promise((resolve) => waiters.push({ target: started + 1, resolve }));
    },
    whenSeen(name, size) {
      return new Promise((resolve) => watchers.push({ name, size, resolve }));
    },
  };
}

/** Names a file gets while it is being written, by copy tools, browsers and editors. */
function inTheMaking(name: string): boolean {
  return name.startsWith(".") || name.startsWith("~") || name.endsWith("~") || /\.(part|partial|tmp|temp|crdownload|download)$/i.test(name);
}

/** `name`, or `name.2.csv`, `name.3.csv`… when the nightly export comes again under the same name. */
function freeName(folder: string, name: string): string {
  if (!existsSync(join(folder, name))) return name;
  const ext = extname(name);
  const base = name.slice(0, name.length - ext.length);
  for (let n = 2; ; n++) {
    const candidate = `${base}.${n}${ext}`;
    if (!existsSync(join(folder, candidate))) return candidate;
  }
}
