import { Worker } from "node:worker_threads";

/**
 * Runs a TypeScript module of the server in a worker thread (through tsx, registered inside it: a worker inherits
 * `node --import tsx`, but not a test runner's loader), for work that holds
 * its thread — the database driver is synchronous — while the server must keep answering. `onMessage` gets each
 * message and `settle`, which ends the run once (the worker is then stopped); an error or an early exit rejects.
 */
export function runInWorker<T>(
  moduleUrl: URL,
  workerData: unknown,
  onMessage: (message: any, settle: { resolve(value: T): void; reject(error: Error): void }, worker: Worker) => void,
): Promise<T> {
  const boot = `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(moduleUrl.href)}); })`;
  return new Promise<T>((resolve, reject) => {
    const worker = new Worker(boot, { eval: true, workerData });
    let settled = false;
    const once = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    const settle = { resolve: (value: T) => once(() => resolve(value)), reject: (error: Error) => once(() => reject(error)) };
    worker.on("message", (message) => onMessage(message, settle, worker));
    worker.on("error", (e) => settle.reject(e));
    worker.on("exit", (code) => settle.reject(new Error(`worker ${moduleUrl.pathname.split("/").pop()} stopped (${code})`)));
  });
}
