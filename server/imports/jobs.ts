import { v7 as uuidv7 } from "uuid";
import type { Database } from "../db/client";
import { importCsv, type ImportOptions, type ImportProgress, type ImportReport } from "./apply";
import type { ImportKind } from "./imports.sql";
import { runInWorker } from "../worker-thread";

/** Runs one import (in this thread, or in a worker thread) and reports its progress. */
export type ImportRunner = (kind: ImportKind, bytes: Uint8Array, options: ImportOptions) => Promise<ImportReport>;

/** In this thread: for the command line, benchmarks, and a database only this thread can open (`:memory:`). */
export function importInProcess(db: Database): ImportRunner {
  return (kind, bytes, options) => importCsv(db, kind, bytes, options);
}

/**
 * In a worker thread with its own connection. An import holds the write lock for its whole transaction (all or
 * nothing), seconds for 100,000 lines, and the database driver answers on the calling thread: run here, it
 * would leave the server deaf meanwhile, to the screen asking how far it got as to everyone else. In a worker,
 * reads go on; a write elsewhere waits for the lock as it would for any other writer.
 */
export function importInWorker(database: { url: string; authToken: string | undefined }): ImportRunner {
  return (kind, bytes, options) =>
    runInWorker<ImportReport>(new URL("./import-worker.ts", import.meta.url), database, (message: { ready?: true; progress?: ImportProgress; report?: ImportReport; fault?: string }, settle, worker) => {
      const { onProgress, at, ...rest } = options;
      if (message.ready) worker.postMessage({ kind, bytes, options: { ...rest, at: (at ?? new Date()).toISOString() } }, [bytes.buffer as ArrayBuffer]);
      else if (message.progress) onProgress?.(message.progress);
      else if (message.report) settle.resolve(message.report);
      else if (message.fault) settle.reject(new Error(message.fault));
    });
}

/** Where a job stands while it is held in memory: waiting its turn, a phase with its count, or a fault. */
export type ImportJobState =
  | { state: "running"; kind: ImportKind; fileName: string; phase: "waiting" | ImportProgress["phase"]; done: number; total: number }
  | { state: "failed"; kind: ImportKind; fileName: string; message: string };

/** How long a failed job's message is kept for the screen to read it (a finished one is read from import_runs). */
const FAILED_KEPT_MS = 15 * 60_000;

/**
 * The imports of this process, one at a time, whoever started them (the office's screen, the drop folder): a file
 * is checked against what the files before it wrote, so a contracts file sent with its customers file waits for
 * it. Each job has an id, the id of its row in `import_runs`, so the screen follows it with short requests
 * (`GET /api/imports/runs/{id}`) that any proxy passes and a phone can resume after losing signal; its progress
 * is held here, in memory, because the import writes in one transaction that nothing else can read before it ends.
 */
export class ImportQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly jobs = new Map<string, ImportJobState>();

  constructor(private readonly run: ImportRunner) {}

  /** Queues a file; returns its id at once and the report when it has run (rejected only on a fault). */
  submit(kind: ImportKind, bytes: Uint8Array, options: Omit<ImportOptions, "id" | "onProgress">): { id: string; report: Promise<ImportReport> } {
    const id = uuidv7();
    const job: ImportJobState = { state: "running", kind, fileName: options.fileName, phase: "waiting", done: 0, total: 0 };
    this.jobs.set(id, job);
    const report = this.tail.then(() =>
      this.run(kind, bytes, {
        ...options,
        id,
        onProgress: (p) => Object.assign(job, p),
      }),
    );
    this.tail = report.catch(() => {});
    report.then(
      () => this.jobs.delete(id),
      (e: unknown) => {
        this.jobs.set(id, { state: "failed", kind, fileName: options.fileName, message: e instanceof Error ? e.message : String(e) });
        setTimeout(() => this.jobs.delete(id), FAILED_KEPT_MS).unref();
      },
    );
    return { id, report };
  }

  /** A job still running or failed in this process; undefined once it is done (then it is in import_runs). */
  status(id: string): ImportJobState | undefined {
    const job = this.jobs.get(id);
    return job && { ...job };
  }

  /** Resolves when every queued import has run. */
  async idle(): Promise<void> {
    while (true) {
      const tail = this.tail;
      await tail;
      if (tail === this.tail) return;
    }
  }
}
