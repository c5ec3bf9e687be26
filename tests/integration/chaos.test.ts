import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { count, inArray } from "drizzle-orm";
import { afterAll, expect, it } from "vitest";
import { recordAction, type Who } from "../../client/store/record";
import { actions } from "../../server/cases/cases.sql";
import { openDatabase } from "../../server/db/client";
import { processedMutations } from "../../server/sync/sync.sql";
import { SimulatedPhone } from "../support/phone";
import { freePort, sleep } from "../support/net";
import { addDays } from "../../shared/dates";
import { TEST_TODAY, signIn } from "../support/server";

/**
 * The chaos test: 20 phones push 10,000 mutations in all through a proxy that drops and delays requests
 * at random — some before they reach the server, some after the server answered (the answer is lost) — while the
 * server is killed with SIGKILL and restarted 5 times. The server must end with each mutation applied exactly
 * once and every phone's outbox empty. The phones are the client's real store and sync engine.
 */

const PHONES = 20;
const MUTATIONS_PER_PHONE = 500;
const KILLS = 5;
const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
const random = mulberry32(seed);

const dir = mkdtempSync(join(tmpdir(), "cadenas-chaos-"));
const databaseUrl = `file:${join(dir, "chaos.db")}`;
let server: ChildProcess | undefined;
let proxy: Server | undefined;

afterAll(async () => {
  server?.kill("SIGKILL");
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  rmSync(dir, { recursive: true, force: true });
});

it(`applies ${PHONES * MUTATIONS_PER_PHONE} mutations exactly once through drops, delays and ${KILLS} server kills (seed ${seed})`, { timeout: 600_000 }, async () => {
  serverBundle = await buildServerOnce();
  const serverPort = await freePort();
  const serverUrl = `http://127.0.0.1:${serverPort}`;
  server = await startServer(serverPort);
  const stats = { forwarded: 0, droppedBefore: 0, droppedAnswers: 0, refused: 0 };
  const proxyUrl = await startProxy(serverPort, stats);

  // Four people, five phones each; every phone syncs through the proxy.
  const people = await Promise.all(
    (["gestionnaire@demo.test", "gestionnaire2@demo.test", "manager@demo.test", "bureau@demo.test"] as const).map(async (email) => {
      const cookie = await signIn(serverUrl, email);
      const me = await (await fetch(`${serverUrl}/api/auth/me`, { headers: { cookie } })).json();
      return { cookie, who: { userId: me.user.id, initials: me.user.initials, timeZone: "Europe/Paris" } satisfies Who };
    }),
  );
  const phones = Array.from({ length: PHONES }, (_, i) => ({ phone: new SimulatedPhone(proxyUrl, people[i % people.length]!.cookie), who: people[i % people.length]!.who }));
  const made: string[][] = phones.map(() => []);

  const killer = (async () => {
    for (let k = 0; k < KILLS; k++) {
      await sleep(1_500 + random() * 2_500);
      server!.kill("SIGKILL");
      await new Promise((r) => server!.once("exit", r));
      await sleep(200 + random() * 800);
      server = await startServer(serverPort);
    }
  })();

  await Promise.all(
    phones.map(async ({ phone, who }, i) => {
      await until(async () => (await phone.engine.syncOnce(who)) === "synced");
      const customers = (await phone.db.debtors.toArray()).map((r) => r.customerId);
      expect(customers.length, `phone ${i} has debtors`).toBeGreaterThan(0);
      while (made[i]!.length < MUTATIONS_PER_PHONE) {
        const burst = Math.min(1 + Math.floor(random() * 40), MUTATIONS_PER_PHONE - made[i]!.length);
        for (let b = 0; b < burst; b++) {
          const customerId = customers[Math.floor(random() * customers.length)]!;
          const m = await recordSomething(phone, who, customerId);
          made[i]!.push(m.id);
        }
        await phone.engine.syncOnce(who);
      }
    }),
  );
  await killer;

  // Everyone keeps syncing until every outbox is empty.
  await Promise.all(
    phones.map(({ phone, who }) =>
      until(async () => {
        await phone.engine.syncOnce(who);
        return (await phone.pending()) === 0;
      }),
    ),
  );

  const ids = made.flat();
  expect(ids).toHaveLength(PHONES * MUTATIONS_PER_PHONE);
  expect(new Set(ids).size).toBe(ids.length);
  for (const { phone } of phones) {
    expect(await phone.pending()).toBe(0);
    expect(await phone.db.rejected.count()).toBe(0);
  }

  server.kill("SIGTERM");
  await new Promise((r) => server!.once("exit", r));
  server = undefined;
  const { db, close } = await openDatabase(databaseUrl);
  try {
    let storedActions = 0;
    let processed = 0;
    let applied = 0;
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      storedActions += (await db.select({ n: count() }).from(actions).where(inArray(actions.mutationId, chunk)))[0]!.n;
      const rows = await db.select({ outcome: processedMutations.outcome }).from(processedMutations).where(inArray(processedMutations.id, chunk));
      processed += rows.length;
      applied += rows.filter((r) => r.outcome === "applied").length;
    }
    console.log(
      `chaos (seed ${seed}): ${ids.length} mutations; proxy forwarded ${stats.forwarded}, dropped ${stats.droppedBefore} requests and ${stats.droppedAnswers} answers, ${stats.refused} hit a dead server`,
    );
    expect(stats.droppedBefore + stats.droppedAnswers).toBeGreaterThan(0);
    expect(storedActions).toBe(PHONES * MUTATIONS_PER_PHONE);
    expect(processed).toBe(PHONES * MUTATIONS_PER_PHONE);
    expect(applied).toBe(PHONES * MUTATIONS_PER_PHONE);
  } finally {
    close();
  }
});

function recordSomething(phone: SimulatedPhone, who: Who, customerId: string) {
  const roll = random();
  if (roll < 0.4) return recordAction(phone.db, who, "note.added", { customerId, text: `note ${Math.floor(random() * 1e6)}` });
  if (roll < 0.7) return recordAction(phone.db, who, "call.logged", { customerId, outcome: random() < 0.5 ? "no_answer" : "answered" });
  if (roll < 0.85) return recordAction(phone.db, who, "promise.made", { customerId, promisedOn: addDays(TEST_TODAY, 13), amountCents: 1 + Math.floor(random() * 50_000) });
  return recordAction(phone.db, who, "answer.logged", { customerId, text: "je passerai payer lundi" });
}

let serverBundle = "";

/**
 * `server/main.ts` compiled once into one file, so a restart only starts Node (on a loaded 2-core machine, compiling
 * the server with tsx at each of the 6 starts took longer than the phones' patience). The bundle sits beside the
 * sources' node_modules, which it imports as they are; the migrations are found where the sources keep them.
 */
async function buildServerOnce(): Promise<string> {
  const outfile = resolve(".test-results", "chaos-server.mjs");
  await build({
    entryPoints: ["server/main.ts"],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    outfile,
    logLevel: "error",
    define: { "import.meta.url": JSON.stringify(pathToFileURL(resolve("server/db/client.ts")).href) },
  });
  return outfile;
}

/** The real server process, on a fixed port so the proxy finds it again after each restart. */
function startServer(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [serverBundle], {
    env: { ...process.env, PORT: String(port), DATABASE_URL: databaseUrl, DATA_DIR: dir, TODAY: TEST_TODAY, CLIENT_DIR: join(dir, "none"), ENGINE_AT: "off" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("running on")) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code, signal) => {
      if (!output.includes("running on")) reject(new Error(`server exited (${code ?? signal}):\n${output}`));
    });
  });
}

/** A bad network: every request waits 0–150 ms; 8% never reach the server; 8% reach it but lose the answer. */
function startProxy(serverPort: number, stats: { forwarded: number; droppedBefore: number; droppedAnswers: number; refused: number }): Promise<string> {
  proxy = createServer((req, res) => {
    const body: Buffer[] = [];
    req.on("data", (c: Buffer) => body.push(c));
    req.on("end", async () => {
      await sleep(random() * 150);
      if (random() < 0.08) {
        stats.droppedBefore++;
        return req.socket.destroy();
      }
      const upstream = request({ host: "127.0.0.1", port: serverPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (c: Buffer) => chunks.push(c));
        answer.on("error", () => req.socket.destroy());
        answer.on("end", async () => {
          await sleep(random() * 150);
          if (random() < 0.08) {
            stats.droppedAnswers++;
            return req.socket.destroy();
          }
          stats.forwarded++;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(Buffer.concat(chunks));
        });
      });
      upstream.on("error", () => {
        stats.refused++;
        req.socket.destroy();
      });
      upstream.end(Buffer.concat(body));
    });
  });
  return new Promise((resolve) => proxy!.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(proxy!.address() as { port: number }).port}`)));
}

async function until(done: () => Promise<boolean>, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error("gave up waiting");
    await sleep(50 + random() * 200);
  }
}

/** A small seeded generator, so that a failing run can be replayed with CHAOS_SEED. */
function mulberry32(a: number): () => number {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
