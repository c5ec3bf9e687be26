// The thread a server's backup snapshot runs in (see `snapshotInWorker`): `VACUUM INTO` on its own connection, or a
// libSQL server's dump loaded into the copy, so that the server's event loop keeps answering while it is copied.
import { parentPort, workerData } from "node:worker_threads";
import { snapshotInProcess, type DatabaseSource } from "./snapshot";

const { source, target } = workerData as { source: DatabaseSource; target: string };
try {
  parentPort!.postMessage({ contents: await snapshotInProcess(source, target) });
} catch (e) {
  parentPort!.postMessage({ fault: e instanceof Error ? e.message : String(e) });
}
