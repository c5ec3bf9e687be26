import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import nodemailer, { type Transporter } from "nodemailer";
import { isMobile, smsCount, toE164 } from "../../shared/messaging/sms";
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
  | { ok: false; configuration: ConfigurationProblem };

export interface EmailSender {
  readonly kind: "smtp" | "files";
  send(message: Outgoing): Promise<SendResult>;
  close(): void;
}

export interface SmsSender {
  readonly kind: "brevo" | "files";
  send(message: Outgoing): Promise<SendResult>;
  /**
   * After a worker died while the provider had the message: the provider's id if it did take it (looked up by the
   * message's tag), null if it did not. Undefined: the provider cannot say.
   */
  reconcile?(message: Outgoing): Promise<string | null>;
  /** Delivery reports since `days` ago: provider id → status (`delivered`, `hardBounce`…). */
  deliveries?(days: number): Promise<Map<string, { event: string; date: string; reason?: string }>>;
}

export interface TransportConfig {
  dataDir: string;
  smtpUrl?: string;
  mailFrom?: string;
  smsProvider?: string;
  smsUrl?: string;
  smsToken?: string;
  smsSender?: string;
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

export function createEmailSender(config: TransportConfig): EmailSender {
  const from = (name: string | null) => ({ name: name ?? "Cadenas", address: config.mailFrom ?? "relances@cadenas.invalid" });
  const mailOf = async (m: Outgoing) => ({
    messageId: `<${m.id}@cadenas>`,
    from: from(m.senderName),
    to: m.recipient,
    ...(m.replyTo ? { replyTo: m.replyTo } : {}),
    subject: m.subject ?? "",
    text: m.body,
    html: htmlOf(m.subject ?? "", m.body),
    headers: { "X-Cadenas-Message": m.id },
    attachments: m.letter ? [{ filename: `${slug(m.letter.subject)}.pdf`, content: Buffer.from(await renderLetterPdf([{ ...m.letter, copies: ["Courriel"] }], { logos: m.logos })), contentType: "application/pdf" }] : [],
  });
  if (config.smtpUrl) {
    const transport: Transporter = nodemailer.createTransport(config.smtpUrl, { pool: true, maxConnections: 4, maxMessages: Infinity } as never);
    return {
      kind: "smtp",
      async send(m) {
        if (!EMAIL_SHAPE.test(m.recipient)) return { ok: false, permanent: true, error: m.recipient ? `Adresse e-mail invalide : ${m.recipient}` : "Pas d'adresse e-mail" };
        try {
          const info = await transport.sendMail(await mailOf(m));
          if (info.rejected?.length) return { ok: false, permanent: true, error: `Adresse refusée par le serveur : ${info.rejected.join(", ")}` };
          return { ok: true, providerId: info.messageId };
        } catch (error) {
          return smtpFailure(error);
        }
      },
      close: () => transport.close(),
    };
  }
  const folder = join(config.dataDir, "outbox");
  const files = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  return {
    kind: "files",
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

/** An SMTP error: 5xx on the recipient is the address (for good); the rest (4xx, network) is retried. */
function smtpFailure(error: unknown): SendResult {
  const e = error as { responseCode?: number; command?: string; message?: string; code?: string };
  const text = e.message ?? String(error);
  if (e.responseCode && e.responseCode >= 500 && (e.command === "RCPT TO" || e.code === "EENVELOPE")) return { ok: false, permanent: true, error: `Adresse refusée : ${text}` };
  if (e.responseCode && e.responseCode >= 500 && e.responseCode !== 554) return { ok: false, permanent: true, error: `Refusé par le serveur : ${text}` };
  return { ok: false, permanent: false, error: `Serveur de messagerie indisponible : ${text}` };
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
    return {
      kind: "brevo",
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
              tag: [smsTag(m.id)],
              unicodeEnabled: smsCount(m.body).encoding === "UCS-2",
            }),
            signal: AbortSignal.timeout(15_000),
          });
        } catch (error) {
          return { ok: false, permanent: false, error: `Fournisseur SMS injoignable : ${(error as Error).message}` };
        }
        const payload = (await res.json().catch(() => ({}))) as { messageId?: number | string; code?: string; message?: string };
        if (res.ok && payload.messageId !== undefined) return { ok: true, providerId: String(payload.messageId) };
        const why = `${res.status} ${payload.code ?? ""} ${payload.message ?? ""}`.trim();
        // 400: the request (the number) is wrong; 401/402/403/429/5xx: the account or the provider, later.
        return { ok: false, permanent: res.status === 400, error: `Brevo : ${why}` };
      },
      async reconcile(m) {
        const url = `${base}/v3/transactionalSMS/statistics/events?tags=${encodeURIComponent(smsTag(m.id))}&days=30&limit=10`;
        const res = await fetch(url, { headers, signal: AbortSignal.timeout(15_000) });
        if (!res.ok) throw new Error(`Brevo events: ${res.status}`);
        const payload = (await res.json()) as { events?: { messageId?: string | number; tag?: string }[] };
        const found = (payload.events ?? []).find((e) => e.messageId !== undefined);
        return found ? String(found.messageId) : null;
      },
      async deliveries(days) {
        const out = new Map<string, { event: string; date: string; reason?: string }>();
        for (let offset = 0; offset < 10_000; offset += 100) {
          const res = await fetch(`${base}/v3/transactionalSMS/statistics/events?days=${days}&limit=100&offset=${offset}&sort=asc`, { headers, signal: AbortSignal.timeout(15_000) });
          if (!res.ok) throw new Error(`Brevo events: ${res.status}`);
          const events = ((await res.json()) as { events?: { messageId?: string | number; event: string; date: string; reason?: string }[] }).events ?? [];
          for (const e of events) if (e.messageId !== undefined) out.set(String(e.messageId), { event: e.event, date: e.date, reason: e.reason });
          if (events.length < 100) break;
        }
        return out;
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
