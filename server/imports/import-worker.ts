// The thread an import runs in (see `importInWorker`): its own connection to the database, so that the server's
// event loop keeps answering — the screen's progress requests first — while the file is read and written.
import { parentPort, workerData } from "node:worker_threads";
import { openDatabase } from "../db/client";
import { importCsv, type ImportOptions } from "./apply";
import type { ImportKind } from "./imports.sql";

interface Job {
  kind: ImportKind;
  bytes: Uint8Array;
  options: Omit<ImportOptions, "onProgress" | "at"> & { at: string };
}

const { url, authToken } = workerData as { url: string; authToken: string | undefined };
const handle = await openDatabase(url, authToken);

parentPort!.on("message", async (job: Job) => {
  try {
    const report = await importCsv(handle.db, job.kind, job.bytes, {
      ...job.options,
      at: new Date(job.options.at),
      onProgress: (progress) => parentPort!.postMessage({ progress }),
    });
    parentPort!.postMessage({ report });
  } catch (e) {
    parentPort!.postMessage({ fault: e instanceof Error ? e.message : String(e) });
  }
});
parentPort!.postMessage({ ready: true });
