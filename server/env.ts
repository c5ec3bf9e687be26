import { readFileSync } from "node:fs";
import { z } from "zod";
import { isCalendarDate, isTimeZone } from "../shared/dates";
import { parseTrustedProxies, trustedProxyError } from "./request";

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

/** The levels of `LOG_LEVEL` (pino's), from the most to the least said; `silent`: no log line at all. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The environment, parsed once at start-up; everything else receives a `Config`. */
const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  HOST: z.string().default("127.0.0.1"),
  DATABASE_URL: z
    .string()
    .default("file:data/cadenas.db")
    .refine((u) => /^(file:|https?:\/\/|libsql:\/\/|wss?:\/\/)/.test(u), "must start with file:, http(s)://, libsql:// or ws(s)://"),
  DATABASE_AUTH_TOKEN: optionalText,
  DATA_DIR: z.string().default("data"),
  SMTP_URL: optionalText.refine((v) => v === undefined || /^smtps?:\/\/[^\s/]+/.test(v), "must be smtp://user:password@host:587 (or smtps://…:465)"),
  MAIL_FROM: optionalText.refine((v) => v === undefined || /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(v), "must be an e-mail address such as relances@example.fr"),
  DKIM_DOMAIN: optionalText,
  DKIM_SELECTOR: optionalText,
  DKIM_PRIVATE_KEY: optionalText,
  DKIM_PRIVATE_KEY_FILE: optionalText,
  SMS_PROVIDER: optionalText.refine((v) => v === undefined || v === "brevo", "must be brevo (or unset: SMS written to DATA_DIR/outbox/)"),
  SMS_SENDER: optionalText,
  SMS_URL: optionalText,
  SMS_TOKEN: optionalText,
  /** The contract's name (CONTRACT.md); `BREVO_WEBHOOK_TOKEN` is its former name, still read. */
  BREVO_WEBHOOK_SECRET: optionalText.refine((v) => v === undefined || v.length >= 24, "must be a random secret of 24 characters or more (openssl rand -hex 24)"),
  BREVO_WEBHOOK_TOKEN: optionalText.refine((v) => v === undefined || v.length >= 24, "must be a random secret of 24 characters or more (openssl rand -hex 24)"),
  TZ_SITE: z
    .string()
    .default("Europe/Paris")
    .refine(isTimeZone, "must be an IANA time zone such as Europe/Paris"),
  DEMO_DATA: z.enum(["auto", "off"]).default("auto"),
  TODAY: optionalText.refine((v) => v === undefined || isCalendarDate(v), "must be a date YYYY-MM-DD"),
  NOW: optionalText.refine((v) => v === undefined || !Number.isNaN(Date.parse(v)), "must be an ISO-8601 instant"),
  SESSION_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  CLIENT_DIR: z.string().default("dist/client"),
  IMPORT_DIR: optionalText,
  PUBLIC_URL: optionalText.refine((v) => v === undefined || /^https?:\/\/[^\s/]+/.test(v), "must be an http(s):// address such as https://cadenas.example.fr"),
  ENGINE_AT: z
    .string()
    .default("06:00")
    .refine((v) => v === "off" || /^([01]\d|2[0-3]):[0-5]\d$/.test(v), "must be HH:MM (site time) or off"),
  TSA_URL: optionalText.refine((v) => v === undefined || /^https?:\/\/[^\s/]+/.test(v), "must be the http(s):// address of an RFC 3161 time-stamping authority"),
  TRUST_PROXY: optionalText.superRefine((v, ctx) => {
    const error = trustedProxyError(parseTrustedProxies(v));
    if (error) ctx.addIssue({ code: "custom", message: error });
  }),
  OUTBOX_EVERY: z
    .string()
    .default("30")
    .refine((v) => v === "off" || /^\d+$/.test(v), "must be a number of seconds or off"),
  BACKUP_DIR: optionalText,
  BACKUP_KEEP: z.coerce.number().int().min(1).max(3650).default(14),
  BACKUP_AT: z
    .string()
    .default("03:00")
    .refine((v) => v === "off" || /^([01]\d|2[0-3]):[0-5]\d$/.test(v), "must be HH:MM (TZ_SITE time) or off"),
  LOG_LEVEL: z
    .string()
    .default("info")
    .transform((v) => v.trim().toLowerCase() || "info")
    .pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` })),
  METRICS_TOKEN: optionalText.refine((v) => v === undefined || v.length >= 24, "must be a random secret of 24 characters or more (openssl rand -hex 24)"),
  STORAGE_URL: optionalText.refine((v) => v === undefined || parseStorageUrl(v) !== null, "must be s3://bucket or s3://bucket/prefix (a bucket name of 3 to 63 lowercase letters, digits, dots or hyphens), or unset: files in DATA_DIR"),
  S3_ENDPOINT: optionalText.refine((v) => v === undefined || /^https?:\/\/[^\s/]+\/?$/.test(v), "must be the http(s):// address of the S3-compatible service, without a path (https://s3.fr-par.scw.cloud, http://127.0.0.1:9000)"),
  S3_ACCESS_KEY_ID: optionalText,
  S3_SECRET_ACCESS_KEY: optionalText,
  S3_REGION: optionalText,
}).superRefine((e, ctx) => {
  // A relay refuses a sender it does not know (and `cadenas.invalid` is nobody's): no default with SMTP_URL.
  if (e.SMTP_URL && !e.MAIL_FROM) ctx.addIssue({ code: "custom", path: ["MAIL_FROM"], message: "is required with SMTP_URL: the sender address your SMTP relay accepts (relances@example.fr)" });
  const dkim = [e.DKIM_DOMAIN, e.DKIM_SELECTOR, e.DKIM_PRIVATE_KEY ?? e.DKIM_PRIVATE_KEY_FILE];
  if (dkim.some(Boolean) && !dkim.every(Boolean))
    ctx.addIssue({ code: "custom", path: ["DKIM_DOMAIN"], message: "DKIM signing needs DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY (or DKIM_PRIVATE_KEY_FILE) together" });
  // An S3 variable without STORAGE_URL would silently leave the files in DATA_DIR: said, not guessed.
  const s3 = { S3_ENDPOINT: e.S3_ENDPOINT, S3_ACCESS_KEY_ID: e.S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: e.S3_SECRET_ACCESS_KEY, S3_REGION: e.S3_REGION };
  if (!e.STORAGE_URL) {
    for (const [name, value] of Object.entries(s3)) if (value) ctx.addIssue({ code: "custom", path: [name], message: "is set but STORAGE_URL is not: set STORAGE_URL=s3://bucket/prefix to keep files in object storage, or unset it" });
  } else {
    for (const name of ["S3_ENDPOINT", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"] as const) {
      if (!s3[name]) ctx.addIssue({ code: "custom", path: [name], message: `is required with STORAGE_URL (${e.STORAGE_URL})` });
    }
  }
});

/** `s3://bucket/prefix` → its bucket and key prefix (ending in `/` when not empty); null if it is not one. */
export function parseStorageUrl(url: string): { bucket: string; prefix: string } | null {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url.trim());
  if (!m) return null;
  const prefix = (m[2] ?? "").replace(/^\/+|\/+$/g, "");
  if (/(^|\/)\.{1,2}(\/|$)|\/\/|[\s\\]/.test(prefix)) return null;
  return { bucket: m[1]!, prefix: prefix ? `${prefix}/` : "" };
}

/** Where the server keeps photos, hand-overs and printed letters (`server/storage/store.ts`). */
export type StorageConfig =
  | { kind: "file" }
  | { kind: "s3"; url: string; bucket: string; prefix: string; endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  databaseAuthToken: string | undefined;
  dataDir: string;
  smtpUrl: string | undefined;
  /** The sender address of e-mails (the name is the site's); required with `smtpUrl`. */
  mailFrom: string | undefined;
  /** DKIM signing of e-mails by the server, for a relay that does not sign. */
  dkim: { domainName: string; keySelector: string; privateKey: string } | undefined;
  /**
   * `webhookToken`: the secret Brevo's delivery webhook must carry (`POST /api/webhooks/brevo`); with `publicUrl`,
   * each SMS asks Brevo to post its events there. Unset: delivery reports are only read back, slowly.
   */
  sms: { provider: string | undefined; url: string | undefined; token: string | undefined; sender: string | undefined; webhookToken: string | undefined };
  siteTimeZone: string;
  /** `auto`: an empty database is filled with demo data at start. */
  demoData: "auto" | "off";
  /** Pins "today" (YYYY-MM-DD) for demos and tests; unset, today is the site's calendar date. */
  today: string | undefined;
  /** Pins the clock of the outbox worker (ISO instant), for demos and tests: sending hours depend on it. */
  now: string | undefined;
  sessionDays: number;
  clientDir: string;
  /** The drop folder for the billing software's exports (files imported, then moved to done/ or rejected/); unset: off. */
  importDir: string | undefined;
  /** The address people reach the app at, for the links of e-mails; unset: the address the server listens on. */
  publicUrl: string | undefined;
  /** When the engine runs each day, site time (`HH:MM`), or `off`. */
  engineAt: string;
  /** How often the outbox worker looks for messages to send (seconds), or null: off. */
  outboxEverySeconds: number | null;
  /** The RFC 3161 time-stamping authority the evidence chains' heads are stamped by; unset: the chains are self-certified. */
  tsaUrl: string | undefined;
  /** The reverse proxies whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed (`server/request.ts`); empty: none. */
  trustProxy: string[];
  /** Where `npm run backup` and the daily backup write (`server/backup/`); unset: no daily backup. */
  backupDir: string | undefined;
  /** How many days of backups pruning keeps (the newest is always kept). */
  backupKeepDays: number;
  /** When the daily backup runs, `TZ_SITE` time (`HH:MM`), or `off`. */
  backupAt: string;
  /** The least serious JSON log line written (requests are logged at `info`). */
  logLevel: LogLevel;
  /** The bearer token `GET /metrics` asks for; unset: only a request from the machine itself (loopback) is answered. */
  metricsToken: string | undefined;
  /** `STORAGE_URL` and the S3 variables; `file`: photos and letters in DATA_DIR. */
  storage: StorageConfig;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databaseAuthToken: e.DATABASE_AUTH_TOKEN,
    dataDir: e.DATA_DIR,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    dkim: e.DKIM_DOMAIN && e.DKIM_SELECTOR ? { domainName: e.DKIM_DOMAIN, keySelector: e.DKIM_SELECTOR, privateKey: dkimKey(e.DKIM_PRIVATE_KEY, e.DKIM_PRIVATE_KEY_FILE) } : undefined,
    sms: { provider: e.SMS_PROVIDER, url: e.SMS_URL, token: e.SMS_TOKEN, sender: e.SMS_SENDER, webhookToken: e.BREVO_WEBHOOK_SECRET ?? e.BREVO_WEBHOOK_TOKEN },
    siteTimeZone: e.TZ_SITE,
    demoData: e.DEMO_DATA,
    today: e.TODAY,
    now: e.NOW,
    sessionDays: e.SESSION_DAYS,
    clientDir: e.CLIENT_DIR,
    importDir: e.IMPORT_DIR,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ""),
    engineAt: e.ENGINE_AT,
    outboxEverySeconds: e.OUTBOX_EVERY === "off" ? null : Number(e.OUTBOX_EVERY),
    tsaUrl: e.TSA_URL,
    trustProxy: parseTrustedProxies(e.TRUST_PROXY),
    backupDir: e.BACKUP_DIR,
    backupKeepDays: e.BACKUP_KEEP,
    backupAt: e.BACKUP_AT,
    logLevel: e.LOG_LEVEL,
    metricsToken: e.METRICS_TOKEN,
    storage: e.STORAGE_URL
      ? {
          kind: "s3",
          url: e.STORAGE_URL,
          ...parseStorageUrl(e.STORAGE_URL)!,
          endpoint: e.S3_ENDPOINT!.replace(/\/+$/, ""),
          region: e.S3_REGION ?? "us-east-1",
          accessKeyId: e.S3_ACCESS_KEY_ID!,
          secretAccessKey: e.S3_SECRET_ACCESS_KEY!,
        }
      : { kind: "file" },
  };
}

/** The DKIM private key (PEM), given in the variable itself (`\n` for line breaks) or in a file. */
function dkimKey(inline: string | undefined, file: string | undefined): string {
  let key: string;
  try {
    key = inline ? inline.replace(/\\n/g, "\n") : readFileSync(file!, "utf8");
  } catch (error) {
    throw new Error(`Invalid environment:\n  DKIM_PRIVATE_KEY_FILE: cannot be read (${(error as Error).message})`);
  }
  if (!/-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(key)) throw new Error("Invalid environment:\n  DKIM_PRIVATE_KEY: must be a PEM private key (-----BEGIN PRIVATE KEY-----…)");
  return key;
}
