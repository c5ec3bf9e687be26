// The thread a server's backup snapshot runs in (see `snapshotInWorker`): `VACUUM INTO` on its own connection, so
// that the server's event loop keeps answering while the database is copied.
import { parentPort, workerData } from "node:worker_threads";
import { snapshotInProcess } from "./snapshot";

const { databasePath, target } = workerData as { databasePath: string; target: string };
try {
  parentPort!.postMessage({ contents: await snapshotInProcess(databasePath, target) });
} catch (e) {
  parentPort!.postMessage({ fault: e instanceof Error ? e.message : String(e) });
}
