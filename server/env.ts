import { z } from "zod";
import { isCalendarDate, isTimeZone } from "../shared/dates";
import { parseTrustedProxies, trustedProxyError } from "./request";

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

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
  SMTP_URL: optionalText,
  MAIL_FROM: optionalText,
  SMS_PROVIDER: optionalText.refine((v) => v === undefined || v === "brevo", "must be brevo (or unset: SMS written to DATA_DIR/outbox/)"),
  SMS_SENDER: optionalText,
  SMS_URL: optionalText,
  SMS_TOKEN: optionalText,
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
});

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  databaseAuthToken: string | undefined;
  dataDir: string;
  smtpUrl: string | undefined;
  /** The sender address of e-mails (the name is the site's). */
  mailFrom: string | undefined;
  sms: { provider: string | undefined; url: string | undefined; token: string | undefined; sender: string | undefined };
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
    sms: { provider: e.SMS_PROVIDER, url: e.SMS_URL, token: e.SMS_TOKEN, sender: e.SMS_SENDER },
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
  };
}
