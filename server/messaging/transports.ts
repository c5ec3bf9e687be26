import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import nodemailer, { type Transporter } from "nodemailer";
import { isMobile, smsCount, toE164 } from "../../shared/messaging/sms";
import { zonedInstant } from "../../shared/dates";
import { renderLetterPdf, type Logos } from "./letter-pdf";
import type { LetterContent } from "./messaging.sql";
import type { ConfigurationProblem } from "./alerts";

/**
 * How messages leave: e-mail over SMTP (nodemailer), SMS through Brevo's transactional SMS API, or — with nothing
 * configured — files under `DATA_DIR/outbox/` that the office reads in the app (written, not sent: nobody receives
 * them). A provider's answer is sorted into sent, to retry (the provider or the network is down) or failed for good
 * (the address or the number is wrong).
 */

export interface Outgoing {
  id: string;
  recipient: string;
  senderName: string | null;
  subject: string | null;
  body: string;
  letter: LetterContent | null;
  /** Where answers to an e-mail go: the site's reply-to address. */
  replyTo?: string | null;
  /** The site's SMS sender; unset, the server's `SMS_SENDER`. */
  smsSender?: string | null;
  /** The logos the attached letter may print. */
  logos?: Logos;
  /** Further PDFs made as it goes (a statement of account: `messages.attachments`). */
  attachments?: { filename: string; content: Uint8Array; contentType: string }[];
}

/**
 * `written`: no provider is set and the message was only written to the local folder: it did not reach the
 * customer, and the outbox records it as such (status `written`), never as sent.
 */
export type SendResult =
  | { ok: true; providerId: string; written?: true }
  /** `permanent`: this recipient will never take it (a wrong address or number); else a fault, tried again later. */
  | { ok: false; permanent: boolean; error: string }
  /**
   * Not the recipient's fault: the provider refuses every message as things are configured (key, sender, credit,
   * AUTH). The message waits, queued; the channel's alert is raised (`alerts.ts`); no task for the customer.
   */
  | { ok: false; configuration: ConfigurationProblem }
  /**
   * The provider may have taken it: the connection broke after the whole message went out, before its answer (RFC
   * 5321 §6.1: that reply can be lost). Never sent again by itself: left for the office to check (e-mail), or found
   * again at the provider (SMS).
   */
  | { ok: false; inDoubt: true; error: string };

export interface EmailSender {
  readonly kind: "smtp" | "files";
  /**
   * How many messages it may have in flight at once (the SMTP pool's connections): the worker hands it no more, so
   * that a crash leaves at most that many in doubt.
   */
  readonly lanes: number;
  send(message: Outgoing): Promise<SendResult>;
  close(): void;
}

export interface SmsSender {
  readonly kind: "brevo" | "files";
  send(message: Outgoing): Promise<SendResult>;
  /**
   * After a worker died while the provider may have had the message: this SMS's own events at the provider — those
   * whose tag AND number are this message's, never another's — since it was handed over. Empty: none (yet: events
   * come late). Throws `RateLimited`, or an error when the provider cannot be asked.
   */
  reconcile?(message: Outgoing, handedAt: Date, now: Date): Promise<SmsEvent[]>;
  /**
   * Delivery reports of the last `days` days, page after page while the budget lasts: what was read, and when to
   * read on (`retryAt`) when the provider's rate limit or ours stopped it before the end.
   */
  deliveries?(days: number, now: Date): Promise<{ events: SmsEvent[]; retryAt: Date | null }>;
  /** True when each SMS asks the provider to post its events to our webhook (`webUrl`). */
  readonly pushesEvents?: boolean;
}

/** What the provider said of an SMS, in Brevo's words (`GetSmsEventsResponse`: `sent`, `delivered`, `hardBounces`…). */
export interface SmsEvent {
  providerId: string;
  event: string;
  /** ISO instant. */
  date: string;
  /** The number, digits only (country code first). */
  phone: string;
  tag?: string;
  reason?: string;
}

/** The provider's reports may not be read before `until`: its rate limit, or our own budget, is spent. */
export class RateLimited extends Error {
  constructor(readonly until: Date) {
    super(`Limite de requêtes du fournisseur atteinte jusqu'à ${until.toISOString()}`);
  }
}

export interface TransportConfig {
  dataDir: string;
  smtpUrl?: string;
  /** Required with `smtpUrl`: relays refuse a sender they do not know (`env.ts` says so at start). */
  mailFrom?: string;
  /** DKIM signing, for operators whose relay does not sign (`DKIM_DOMAIN`, `DKIM_SELECTOR`, `DKIM_PRIVATE_KEY`). */
  dkim?: { domainName: string; keySelector: string; privateKey: string };
  /** SMTP timeouts (ms); the defaults keep a message's whole exchange well inside the outbox's lease. Tests shorten them. */
  smtpTimeouts?: { connection: number; greeting: number; socket: number };
  smsProvider?: string;
  smsUrl?: string;
  smsToken?: string;
  smsSender?: string;
  /** Where Brevo posts each SMS's events (`webUrl`, with its secret token); unset: polling only. */
  smsWebhookUrl?: string;
  /** Our own budget of reads of Brevo's events endpoint per hour, under Brevo's (100 an hour on ordinary plans). */
  smsEventsPerHour?: number;
}

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** The HTML part: the same text, paragraphs and line breaks kept, in a sober frame. */
export function htmlOf(subject: string, body: string): string {
  const paragraphs = body
    .split(/\n{2,}/)
    .map((p) => `<p style="margin:0 0 14px">${escapeHtml(p).replace(/\n/g, "<br>")}</p>`)
    .join("");
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body style="margin:0;background:#f4f6f9"><div style="max-width:600px;margin:0 auto;padding:24px;font:15px/1.5 Arial,sans-serif;color:#17212b;background:#fff">${paragraphs}</div></body></html>`;
}

/** The sender of the local folder's e-mails: nobody receives them, so no real address is needed. */
const LOCAL_FOLDER_FROM = "relances@cadenas.invalid";
/**
 * The SMTP pool's connections by default (`?maxConnections=N` in `SMTP_URL` for a relay that allows more): at most
 * this many e-mails are in flight, so in doubt after a crash.
 */
export const SMTP_CONNECTIONS = 4;
/**
 * Connection and greeting ~10 s, a silent socket 30 s: a message's exchange ends (sent, refused or in doubt) well
 * before the outbox's lease (120 s) lapses, so a slow relay never lets another process take a message still going.
 */
export const SMTP_TIMEOUTS = { connection: 10_000, greeting: 10_000, socket: 30_000 };

export function createEmailSender(config: TransportConfig): EmailSender {
  if (config.smtpUrl && !config.mailFrom) throw new Error("MAIL_FROM is required with SMTP_URL: a relay refuses a sender it does not know.");
  const address = config.mailFrom ?? LOCAL_FOLDER_FROM;
  // The Message-ID's right-hand side is the sender's domain (RFC 5322 §3.6.4): filters frown on a made-up one.
  const domain = address.slice(address.lastIndexOf("@") + 1);
  const from = (name: string | null) => ({ name: name ?? "Cadenas", address });
  const mailOf = async (m: Outgoing) => ({
    messageId: `<${m.id}@${domain}>`,
    from: from(m.senderName),
    to: m.recipient,
    ...(m.replyTo ? { replyTo: m.replyTo } : {}),
    subject: m.subject ?? "",
    text: m.body,
    html: htmlOf(m.subject ?? "", m.body),
    headers: { "X-Cadenas-Message": m.id },
    attachments: [
      ...(m.letter ? [{ filename: `${slug(m.letter.subject)}.pdf`, content: Buffer.from(await renderLetterPdf([{ ...m.letter, copies: ["Courriel"] }], { logos: m.logos })), contentType: "application/pdf" }] : []),
      ...(m.attachments ?? []).map((a) => ({ filename: a.filename, content: Buffer.from(a.content), contentType: a.contentType })),
    ],
  });
  if (config.smtpUrl) {
    const options = smtpOptions(config.smtpUrl, config.smtpTimeouts ?? SMTP_TIMEOUTS, config.dkim);
    const transport: Transporter = nodemailer.createTransport(options as never);
    // Messages whose last byte was read into the SMTP connection (after the relay's 354): past that point a broken
    // connection may hide an acceptance. The stream is only read once DATA is accepted, so before it nothing went.
    const streamed = new Set<string>();
    transport.use("stream", (mail, done) => {
      const id = (mail.data.headers as Record<string, string>)["X-Cadenas-Message"]!;
      const message = mail.message;
      const open = message.createReadStream.bind(message);
      message.createReadStream = (options) => open(options).once("end", () => streamed.add(id));
      done();
    });
    return {
      kind: "smtp",
      lanes: options.maxConnections,
      async send(m) {
        if (!EMAIL_SHAPE.test(m.recipient)) return { ok: false, permanent: true, error: m.recipient ? `Adresse e-mail invalide : ${m.recipient}` : "Pas d'adresse e-mail" };
        try {
          const info = await transport.sendMail(await mailOf(m));
          if (info.rejected?.length) return { ok: false, permanent: true, error: `Adresse refusée par le serveur : ${info.rejected.join(", ")}` };
          return { ok: true, providerId: info.messageId };
        } catch (error) {
          return smtpFailure(error, streamed.has(m.id), address);
        } finally {
          streamed.delete(m.id);
        }
      },
      close: () => transport.close(),
    };
  }
  const folder = join(config.dataDir, "outbox");
  const files = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  return {
    kind: "files",
    lanes: 8,
    async send(m) {
      if (!EMAIL_SHAPE.test(m.recipient)) return { ok: false, permanent: true, error: m.recipient ? `Adresse e-mail invalide : ${m.recipient}` : "Pas d'adresse e-mail" };
      const info = await files.sendMail(await mailOf(m));
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, `${m.id}.eml`), info.message as Buffer);
      return { ok: true, providerId: `file:${m.id}.eml`, written: true };
    },
    close: () => files.close(),
  };
}

/**
 * nodemailer's options for `SMTP_URL`: a pool, TLS as the port requires — implicit on 465 (`smtps`), STARTTLS made
 * mandatory on the submission port 587 (RFC 8314: credentials never in clear text) — timeouts, DKIM.
 */
function smtpOptions(smtpUrl: string, timeouts: { connection: number; greeting: number; socket: number }, dkim: TransportConfig["dkim"]) {
  const url = new URL(smtpUrl);
  // nodemailer lets the URL's scheme decide `secure`: port 465 speaks TLS from the first byte, whatever it says.
  if (url.port === "465") url.protocol = "smtps:";
  // The URL's own pool size wins in nodemailer: the worker's lanes follow it.
  const connections = Number(url.searchParams.get("maxConnections"));
  return {
    url: url.toString(),
    pool: true,
    maxConnections: Number.isInteger(connections) && connections > 0 ? connections : SMTP_CONNECTIONS,
    maxMessages: 100,
    ...(url.port === "587" ? { requireTLS: true } : {}),
    connectionTimeout: timeouts.connection,
    greetingTimeout: timeouts.greeting,
    socketTimeout: timeouts.socket,
    ...(dkim ? { dkim } : {}),
  };
}

/**
 * What an SMTP error says, by the command the relay answered (nodemailer's `command`, `responseCode`):
 * - 4xx anywhere (greylisting, a full queue, 421 closing): a fault, tried again later;
 * - 5xx to `RCPT TO`: this address (for good; the floor is asked to fix it) — unless the relay says it will not
 *   relay for us at all (530, or 5.7.x about relaying or authentication), which is our configuration;
 * - AUTH refused (535), TLS impossible, 5xx to `MAIL FROM` (the sender), to `DATA` or anywhere else: every message
 *   would be refused alike — a configuration problem: one alert, the messages held queued, no task per customer;
 * - no answer at all (network, timeout): retried, unless the whole message had gone out (then in doubt).
 */
export function smtpFailure(error: unknown, streamed: boolean, sender: string): SendResult {
  const e = error as { responseCode?: number; command?: string; code?: string; message?: string; response?: string };
  const said = e.response ?? e.message ?? String(error);
  const code = e.responseCode ?? 0;
  const command = e.command ?? "";
  const configuration = (what: string, message: string): SendResult => ({ ok: false, configuration: { code: `email.${what}`, message, detail: said } });
  if (e.code === "EAUTH" || command.startsWith("AUTH") || e.code === "ENOAUTH")
    return configuration("auth_refused", "Le serveur d'envoi des courriels refuse l'identifiant ou le mot de passe de SMTP_URL : aucun courriel ne part. Corrigez SMTP_URL.");
  if (e.code === "ETLS" || e.code === "EREQUIRETLS")
    return configuration("tls_failed", "Pas de connexion chiffrée possible avec le serveur d'envoi des courriels : vérifiez l'adresse et le port de SMTP_URL (587 ou 465).");
  if (code >= 400 && code < 500) return { ok: false, permanent: false, error: `Serveur de messagerie momentanément indisponible : ${said}` };
  if (code >= 500) {
    if (command === "RCPT TO") {
      if (code === 530 || (/\b5\.7\.\d+/.test(said) && /relay|auth/i.test(said)))
        return configuration("relay_refused", "Le serveur d'envoi des courriels refuse de relayer vers l'extérieur (authentification manquante ou compte non autorisé) : vérifiez SMTP_URL.");
      return { ok: false, permanent: true, error: `Adresse refusée : ${said}` };
    }
    if (command === "MAIL FROM")
      return configuration("sender_refused", `Le serveur d'envoi des courriels refuse l'adresse d'expédition ${sender} : réglez MAIL_FROM sur une adresse que ce serveur accepte (son domaine, DKIM et SPF).`);
    if (command === "DATA")
      return configuration("message_refused", "Le serveur d'envoi des courriels refuse les messages eux-mêmes : vérifiez MAIL_FROM, la signature DKIM et la taille des pièces jointes.");
    return configuration("refused", `Le serveur d'envoi des courriels refuse le service (${code}) : vérifiez SMTP_URL.`);
  }
  if (streamed) return { ok: false, inDoubt: true, error: `Coupure après l'envoi du message complet, avant la réponse du serveur : il l'a peut-être reçu (${said})` };
  return { ok: false, permanent: false, error: `Serveur de messagerie injoignable : ${said}` };
}

function slug(text: string): string {
  return (
    text
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[^A-Za-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .toLowerCase()
      .slice(0, 60) || "courrier"
  );
}

/** The tag a message carries at the provider, to find it again after a crash. */
const smsTag = (id: string) => `cadenas-${id}`;
const digits = (phone: string) => phone.replace(/\D/g, "");

/** Where Brevo posts an SMS's events: `PUBLIC_URL`'s webhook route, the secret token in its query. */
export function brevoWebhookUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/api/webhooks/brevo?token=${encodeURIComponent(token)}`;
}

/**
 * Brevo's words for a delivery, as its events endpoint names them (`GetSmsEventsResponse`); its webhook says
 * `hard_bounce`, `soft_bounce`, `skip`…: both come to these.
 */
const WEBHOOK_EVENTS: Record<string, string> = {
  sent: "sent",
  accepted: "accepted",
  delivered: "delivered",
  hard_bounce: "hardBounces",
  hardbounce: "hardBounces",
  soft_bounce: "softBounces",
  softbounce: "softBounces",
  blocked: "blocked",
  rejected: "rejected",
  skip: "skipped",
  skipped: "skipped",
  unsubscribe: "unsubscription",
  unsubscribed: "unsubscription",
  replied: "replies",
  reply: "replies",
};

/** The events that say the number itself will not take SMS: the floor is asked to fix it. */
export const SMS_NUMBER_REFUSED = ["hardBounces", "blocked", "rejected"] as const;

/**
 * How far along an SMS is: a later report never takes a delivery back to an earlier step (events come late and
 * out of order: `sent` may be read after `delivered`). Null: not about the delivery (a reply, a STOP).
 */
export function deliveryRank(event: string | null | undefined): number | null {
  switch (event) {
    case "sent":
      return 1;
    case "accepted":
      return 2;
    case "softBounces":
      return 3;
    case "delivered":
    case "hardBounces":
    case "blocked":
    case "rejected":
    case "skipped":
      return 4;
    default:
      return null;
  }
}

/**
 * One call of Brevo's SMS webhook (the fields its documentation lists: `messageId`, `to`, `msg_status`, `date` in
 * Paris time `YYYY-MM-DD HH:MM:SS`, `tag`…) as an event, or null when it says nothing we keep.
 */
export function brevoWebhookEvent(body: { messageId?: unknown; to?: unknown; msg_status?: unknown; date?: unknown; tag?: unknown; description?: unknown; reason?: unknown }, receivedAt: Date): SmsEvent | null {
  const event = WEBHOOK_EVENTS[String(body.msg_status ?? "").toLowerCase()];
  if (!event || body.messageId === undefined || body.messageId === null || typeof body.to !== "string") return null;
  const tag = Array.isArray(body.tag) ? body.tag.find((t): t is string => typeof t === "string") : typeof body.tag === "string" ? body.tag : undefined;
  const reason = typeof body.description === "string" ? body.description : typeof body.reason === "string" ? body.reason : undefined;
  return { providerId: String(body.messageId), event, date: parisDate(body.date) ?? receivedAt.toISOString(), phone: digits(body.to), ...(tag ? { tag } : {}), ...(reason ? { reason } : {}) };
}

/** `2026-11-23 10:00:05` in Paris time (Brevo's webhooks) as an ISO instant. */
function parisDate(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m) return Number.isNaN(Date.parse(value)) ? null : new Date(value).toISOString();
  return new Date(Date.parse(zonedInstant(m[1]!, m[2]!, "Europe/Paris")) + Number(m[3] ?? 0) * 1000).toISOString();
}

/**
 * A refusal of `/send` sorted out: the number (this SMS only: failed, the floor fixes the contact) or the account
 * (every SMS would fail: held queued, one alert). A 400 is the number's only when Brevo says it is the recipient;
 * a sender or a content it will not take fails every SMS alike.
 */
export function brevoRefusal(status: number, payload: { code?: string; message?: string }): SendResult {
  const said = `${status} ${payload.code ?? ""} ${payload.message ?? ""}`.replace(/\s+/g, " ").trim();
  const text = `${payload.code ?? ""} ${payload.message ?? ""}`.toLowerCase();
  if (status === 401) return { ok: false, configuration: { code: "sms.unauthorized", message: "Brevo refuse la clé d'API (SMS_TOKEN) : aucun SMS ne part. Vérifiez la clé dans le compte Brevo.", detail: said } };
  if (status === 402) return { ok: false, configuration: { code: "sms.no_credit", message: "Plus de crédit SMS chez Brevo : aucun SMS ne part. Rechargez le compte Brevo.", detail: said } };
  if (status === 403) return { ok: false, configuration: { code: "sms.forbidden", message: "Brevo refuse l'envoi de SMS à ce compte (permission refusée) : aucun SMS ne part.", detail: said } };
  if (status === 400) {
    if (/sender/.test(text)) return { ok: false, configuration: { code: "sms.sender_refused", message: "Brevo refuse le nom d'expéditeur des SMS : aucun SMS ne part. Corrigez-le (Sites, ou SMS_SENDER).", detail: said } };
    if (/recipient|phone|mobile|number/.test(text)) return { ok: false, permanent: true, error: `Numéro refusé par Brevo : ${said}` };
    return { ok: false, configuration: { code: "sms.refused", message: "Brevo refuse les SMS tels qu'ils sont envoyés : aucun SMS ne part.", detail: said } };
  }
  return { ok: false, permanent: false, error: `Brevo : ${said}` };
}

/**
 * Our reads of Brevo's events endpoint: never more than our own budget an hour, and none while Brevo's own limit
 * (`x-sib-ratelimit-remaining` at 0, or a 429) holds, until `x-sib-ratelimit-reset` seconds have passed.
 */
function eventsBudget(perHour: number) {
  const reads: number[] = [];
  let blockedUntil = 0;
  return {
    take(now: Date): void {
      const t = now.getTime();
      if (t < blockedUntil) throw new RateLimited(new Date(blockedUntil));
      while (reads.length > 0 && reads[0]! <= t - 3_600_000) reads.shift();
      if (reads.length >= perHour) throw new RateLimited(new Date(reads[0]! + 3_600_000));
      reads.push(t);
    },
    heard(res: Response, now: Date): void {
      const remaining = res.headers.get("x-sib-ratelimit-remaining");
      const reset = Number(res.headers.get("x-sib-ratelimit-reset") ?? "");
      if (res.status === 429 || remaining === "0") blockedUntil = now.getTime() + (Number.isFinite(reset) && reset > 0 ? reset : 60) * 1000;
    },
  };
}

interface BrevoEventRow {
  phoneNumber?: string;
  date?: string;
  messageId?: string | number;
  event?: string;
  reason?: string;
  tag?: string;
}

function eventOf(e: BrevoEventRow): SmsEvent | null {
  if (e.messageId === undefined || !e.event || !e.date) return null;
  const date = Number.isNaN(Date.parse(e.date)) ? e.date : new Date(e.date).toISOString();
  return { providerId: String(e.messageId), event: e.event, date, phone: digits(e.phoneNumber ?? ""), ...(e.tag ? { tag: e.tag } : {}), ...(e.reason ? { reason: e.reason } : {}) };
}

export function createSmsSender(config: TransportConfig): SmsSender {
  const check = (m: Outgoing): SendResult | string => {
    const e164 = toE164(m.recipient);
    if (!e164) return { ok: false, permanent: true, error: m.recipient ? `Numéro invalide : ${m.recipient}` : "Pas de numéro de téléphone" };
    if (!isMobile(e164)) return { ok: false, permanent: true, error: `Pas un numéro de mobile : ${m.recipient}` };
    return e164;
  };
  if (config.smsProvider === "brevo") {
    const base = (config.smsUrl ?? "https://api.brevo.com").replace(/\/$/, "");
    const headers = { accept: "application/json", "content-type": "application/json", "api-key": config.smsToken ?? "" };
    const sender = (config.smsSender ?? "Cadenas").replace(/[^A-Za-z0-9]/g, "").slice(0, 11) || "Cadenas";
    const budget = eventsBudget(config.smsEventsPerHour ?? 60);
    /** Where a read of the delivery reports stopped by the rate limit goes on. */
    let resume: { days: number; offset: number } | null = null;
    /** One page of events; the budget taken first, Brevo's headers heard after. */
    const readEvents = async (query: URLSearchParams, now: Date): Promise<{ events: BrevoEventRow[] } | { limited: Date }> => {
      try {
        budget.take(now);
      } catch (e) {
        if (e instanceof RateLimited) return { limited: e.until };
        throw e;
      }
      const res = await fetch(`${base}/v3/transactionalSMS/statistics/events?${query}`, { headers, signal: AbortSignal.timeout(15_000) });
      budget.heard(res, now);
      if (res.status === 429) {
        await res.arrayBuffer();
        return { limited: new Date(now.getTime() + Math.max(1, Number(res.headers.get("x-sib-ratelimit-reset")) || 60) * 1000) };
      }
      if (!res.ok) throw new Error(`Brevo events: ${res.status} ${await res.text().catch(() => "")}`.trim());
      return { events: ((await res.json()) as { events?: BrevoEventRow[] | null }).events ?? [] };
    };
    return {
      kind: "brevo",
      pushesEvents: Boolean(config.smsWebhookUrl),
      async send(m) {
        const to = check(m);
        if (typeof to !== "string") return to;
        let res: Response;
        try {
          res = await fetch(`${base}/v3/transactionalSMS/send`, {
            method: "POST",
            headers,
            body: JSON.stringify({
              sender: m.smsSender || sender,
              recipient: to.slice(1),
              content: m.body,
              type: "transactional",
              tag: smsTag(m.id),
              ...(config.smsWebhookUrl ? { webUrl: config.smsWebhookUrl } : {}),
              unicodeEnabled: smsCount(m.body).encoding === "UCS-2",
            }),
            signal: AbortSignal.timeout(15_000),
          });
        } catch (error) {
          const cause = (error as { cause?: { code?: string } }).cause?.code;
          // Refused or unresolved: the request never left. Anything else (a timeout, a reset) may come after Brevo
          // took it: found again by its tag, never sent twice on a guess.
          if (cause === "ECONNREFUSED" || cause === "ENOTFOUND" || cause === "EAI_AGAIN") return { ok: false, permanent: false, error: `Fournisseur SMS injoignable : ${(error as Error).message}` };
          return { ok: false, inDoubt: true, error: `Pas de réponse de Brevo après l'envoi : ${(error as Error).message}` };
        }
        const payload = (await res.json().catch(() => ({}))) as { messageId?: number | string; code?: string; message?: string };
        if (res.ok && payload.messageId !== undefined) return { ok: true, providerId: String(payload.messageId) };
        return brevoRefusal(res.status, payload);
      },
      async reconcile(m, handedAt, now) {
        const to = toE164(m.recipient);
        if (!to) return [];
        const days = Math.min(90, Math.floor((now.getTime() - handedAt.getTime()) / 86_400_000) + 2);
        // The tags filter as Brevo's SDKs pass it: a serialized array, URL-encoded by URLSearchParams.
        const query = new URLSearchParams({ tags: JSON.stringify([smsTag(m.id)]), phoneNumber: digits(to), days: String(days), limit: "100", sort: "desc" });
        const page = await readEvents(query, now);
        if ("limited" in page) throw new RateLimited(page.limited);
        // Only its own: the same tag AND the same number, whatever the filter let through.
        return page.events.flatMap((e) => {
          const event = eventOf(e);
          return event && event.tag === smsTag(m.id) && event.phone === digits(to) ? [event] : [];
        });
      },
      async deliveries(days, now) {
        const events: SmsEvent[] = [];
        // Ascending: events added while paging land after the pages already read. A read stopped by the limit goes
        // on from where it stopped, one page back (old events leaving the `days` window shift the offsets).
        const start = resume?.days === days ? Math.max(0, resume.offset - 100) : 0;
        for (let offset = start; offset < 10_000; offset += 100) {
          const page = await readEvents(new URLSearchParams({ days: String(days), limit: "100", offset: String(offset), sort: "asc" }), now);
          if ("limited" in page) {
            // What was read is kept; the rest waits for the limit's reset (nothing read: the same place as before).
            if (offset !== start || resume?.days !== days) resume = { days, offset };
            return { events, retryAt: page.limited };
          }
          for (const e of page.events) {
            const event = eventOf(e);
            if (event) events.push(event);
          }
          if (page.events.length < 100) break;
        }
        resume = null;
        return { events, retryAt: null };
      },
    };
  }
  const folder = join(config.dataDir, "outbox");
  return {
    kind: "files",
    async send(m) {
      const to = check(m);
      if (typeof to !== "string") return to;
      const count = smsCount(m.body);
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, `${m.id}.sms.txt`), `From: ${m.smsSender || config.smsSender || "Cadenas"}\nTo: ${to}\nEncoding: ${count.encoding}, ${count.segments} SMS\n\n${m.body}\n`);
      return { ok: true, providerId: `file:${m.id}.sms.txt`, written: true };
    },
  };
}
