import { count, desc, sql } from "drizzle-orm";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { MESSAGE_STATUSES } from "../../shared/enums";
import type { PushResult } from "../../shared/schemas/mutations";
import { listBackups } from "../backup/prune";
import type { Clock } from "../context";
import type { Database } from "../db/client";
import { engineRuns } from "../engine/engine.sql";
import type { Config } from "../env";
import { lastSuccessfulImport } from "../imports/apply";
import { messages } from "../messaging/messaging.sql";

/**
 * What `GET /metrics` tells Prometheus. One registry an app: a process may run several (tests start many servers),
 * and prom-client's global registry would refuse the same name twice. Counters are this process's since it started;
 * the gauges about the outbox, the engine, imports, photos and backups are read from the database at each scrape,
 * so every process of a deployment answers the same about them.
 */
export interface Metrics {
  registry: Registry;
  /** A request answered: `route` is its pattern, never its path. */
  request(r: { method: string; route: string; status: number; seconds: number }): void;
  /** The results of a sync push, one a mutation. */
  pushed(results: readonly Pick<PushResult, "status">[]): void;
  /** A sync pull page: debtors sent and debtors to drop. */
  pulled(docs: number, removed: number): void;
}

export interface MetricsSources {
  db: Database;
  config: Pick<Config, "backupDir">;
  clock: Pick<Clock, "now">;
  /** Told when a gauge could not be read (the scrape still answers, without that gauge's value). */
  onError?: (gauge: string, error: unknown) => void;
}

const seconds = (from: string | Date, to: Date) => Math.max(0, (to.getTime() - new Date(from).getTime()) / 1000);

export function createMetrics(sources: MetricsSources): Metrics {
  const { db, config, clock } = sources;
  const registry = new Registry();
  const registers = [registry];

  /** A gauge set at scrape time; a failed read leaves it empty rather than failing the whole scrape. */
  const gauge = (name: string, help: string, read: (g: Gauge<string>) => Promise<void> | void, labelNames: string[] = []) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      async collect() {
        this.reset();
        try {
          await read(this);
        } catch (error) {
          this.reset();
          sources.onError?.(name, error);
        }
      },
    });

  const requests = new Counter({ name: "http_requests_total", help: "HTTP requests answered, by route pattern and status", labelNames: ["method", "route", "status"], registers });
  const durations = new Histogram({
    name: "http_request_duration_seconds",
    help: "Time to answer an HTTP request, by route pattern",
    labelNames: ["method", "route"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const mutations = new Counter({
    name: "sync_mutations_total",
    help: "Mutations pushed by phones: applied, rejected by a rule of the domain, or duplicate (already processed)",
    labelNames: ["result"],
    registers,
  });
  for (const result of ["applied", "rejected", "duplicate"]) mutations.inc({ result }, 0);
  const pullDocs = new Histogram({
    name: "sync_pull_size",
    help: "Debtors sent (docs) or to drop (removed) by one sync pull page",
    labelNames: ["kind"],
    buckets: [0, 1, 10, 50, 100, 250, 500, 1000],
    registers,
  });

  gauge("outbox_messages", "Messages in the outbox table, by status", async (g) => {
    const rows = await db.select({ status: messages.status, n: count() }).from(messages).groupBy(messages.status);
    for (const status of MESSAGE_STATUSES) g.set({ status }, rows.find((r) => r.status === status)?.n ?? 0);
  }, ["status"]);

  gauge("outbox_oldest_due_age_seconds", "How long the oldest queued message has been due (0: none waiting)", async (g) => {
    const now = clock.now();
    const [row] = await db
      .select({ since: sql<string | null>`min(coalesce(${messages.notBefore}, ${messages.createdAt}))` })
      .from(messages)
      .where(sql`${messages.status} = 'queued' and (${messages.notBefore} is null or ${messages.notBefore} <= ${now.toISOString()})`);
    g.set(row?.since ? seconds(row.since, now) : 0);
  });

  // The engine runs once a day a time zone: its last run in each zone (none yet: no sample, not a false 0).
  const lastRuns = () =>
    db
      .select()
      .from(engineRuns)
      .where(sql`${engineRuns.startedAt} = (select max(r.started_at) from engine_runs r where r.time_zone is ${engineRuns.timeZone})`);
  const zone = (run: { timeZone: string | null }) => ({ time_zone: run.timeZone ?? "" });
  gauge("engine_last_run_as_of_timestamp_seconds", "The day of the last engine run of a time zone (its as-of date, 00:00 UTC, as a Unix time)", async (g) => {
    for (const run of await lastRuns()) g.set(zone(run), Date.parse(`${run.asOf}T00:00:00Z`) / 1000);
  }, ["time_zone"]);
  gauge("engine_last_run_duration_seconds", "How long the last engine run of a time zone took (no sample while it runs)", async (g) => {
    for (const run of await lastRuns()) if (run.finishedAt) g.set(zone(run), seconds(run.startedAt, new Date(run.finishedAt)));
  }, ["time_zone"]);
  gauge("engine_last_run_planned", "Actions planned by the last engine run of a time zone", async (g) => {
    for (const run of await lastRuns()) g.set(zone(run), run.planned);
  }, ["time_zone"]);

  // Never done is infinitely old: an alert on "older than a day" fires, where a 0 would say "just now".
  gauge("import_last_success_age_seconds", "Time since the last import from the billing software that succeeded (+Inf: none yet)", async (g) => {
    const last = await lastSuccessfulImport(db);
    g.set(last ? seconds(last, clock.now()) : Infinity);
  });

  gauge("photos_pending", "Photos named by the evidence the phones sent and not received yet", async (g) => {
    const [row] = await db.all<{ n: number }>(
      sql`select count(distinct j.value) as n from evidence_records e, json_each(e.photos) j where not exists (select 1 from photos p where p.sha256 = j.value)`,
    );
    g.set(Number(row?.n ?? 0));
  });

  // Without BACKUP_DIR there is nothing here to watch (with several processes, the day's backup is in one's folder).
  const backupDir = config.backupDir;
  if (backupDir) {
    gauge("backup_age_seconds", "Time since the newest backup in BACKUP_DIR was made (+Inf: none yet)", (g) => {
      const newest = listBackups(backupDir).find((b) => b.manifest);
      g.set(newest ? seconds(newest.manifest!.createdAt, clock.now()) : Infinity);
    });
  }

  // The process's own figures, read when scraped (prom-client's default metrics would add listeners a registry).
  new Counter({
    name: "process_cpu_seconds_total",
    help: "User and system CPU time of this process",
    registers,
    collect() {
      const { user, system } = process.cpuUsage();
      this.reset();
      this.inc((user + system) / 1e6);
    },
  });
  gauge("process_resident_memory_bytes", "Resident memory of this process", (g) => g.set(process.memoryUsage.rss()));
  const started = Date.now() / 1000 - process.uptime();
  gauge("process_start_time_seconds", "When this process started (Unix time)", (g) => g.set(started));

  return {
    registry,
    request({ method, route, status, seconds }) {
      requests.inc({ method, route, status: String(status) });
      durations.observe({ method, route }, seconds);
    },
    pushed(results) {
      for (const r of results) mutations.inc({ result: r.status });
    },
    pulled(docs, removed) {
      pullDocs.observe({ kind: "docs" }, docs);
      pullDocs.observe({ kind: "removed" }, removed);
    },
  };
}
