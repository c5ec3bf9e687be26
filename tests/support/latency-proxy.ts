import { createServer, connect, type Socket } from "node:net";

/**
 * A TCP proxy that holds every chunk a client sends for `delayMs` before passing it on: each request to the
 * server behind it (one HTTP request of libSQL's protocol, one statement of an interactive transaction) costs that
 * much more, as over a real network between the app and a libSQL server. Answers come back at once; order is kept
 * (every chunk waits the same time, and timers of equal delay fire in the order they were set).
 */
export interface LatencyProxy {
  port: number;
  url: string;
  /** Chunks the clients sent: about one a request. */
  readonly requests: number;
  close(): Promise<void>;
}

export async function startLatencyProxy(target: { host: string; port: number }, delayMs = 20): Promise<LatencyProxy> {
  const sockets = new Set<Socket>();
  let requests = 0;
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    client.on("data", (chunk) => {
      requests++;
      setTimeout(() => upstream.writable && upstream.write(chunk), delayMs);
    });
    upstream.on("data", (chunk) => client.writable && client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    // A client's end reaches the server after its last delayed chunk.
    client.on("end", () => setTimeout(end, delayMs));
    upstream.on("end", end);
    client.on("error", end);
    upstream.on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
