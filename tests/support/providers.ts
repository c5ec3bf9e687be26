import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from "smtp-server";

// Real providers started in the test process: an SMTP server (the `smtp-server` package) that keeps and parses
// what it receives, and an HTTP server speaking Brevo's transactional SMS API (send, events) as documented.

export interface SmtpSink {
  url: string;
  received: ParsedMail[];
  close(): Promise<void>;
}

export async function startSmtpSink(
  options: {
    /** An SMTP reply code to refuse a recipient with (550: no such mailbox; 451: try later), or undefined to accept. */
    refuse?: (address: string) => number | undefined;
    /** Called once a message is taken (before the server answers 250). */
    onMessage?: (mail: ParsedMail) => void;
    parse?: boolean;
  } = {},
): Promise<SmtpSink> {
  const received: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    size: 30 * 1024 * 1024,
    onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const code = options.refuse?.(address.address);
      if (code) {
        const error = new Error(code >= 500 ? "Mailbox unavailable" : "Try again later") as Error & { responseCode: number };
        error.responseCode = code;
        return callback(error);
      }
      callback();
    },
    onData(stream, _session, callback) {
      if (options.parse === false) {
        stream.on("data", () => {});
        stream.on("end", () => {
          received.push({} as ParsedMail);
          callback();
        });
        return;
      }
      simpleParser(stream)
        .then((mail) => {
          received.push(mail);
          options.onMessage?.(mail);
          callback();
        })
        .catch((e: Error) => callback(e));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface BrevoSms {
  sender: string;
  recipient: string;
  content: string;
  type?: string;
  tag?: string | string[];
  unicodeEnabled?: boolean;
  messageId: number;
  at: string;
}

export interface FakeBrevo {
  url: string;
  sent: BrevoSms[];
  /** Requests refused with a status (to test failures): phone → status. */
  refuse: Map<string, number>;
  close(): Promise<void>;
}

const API_KEY = "test-key";
export const BREVO_TEST_KEY = API_KEY;

/** Brevo's `POST /v3/transactionalSMS/send` and `GET /v3/transactionalSMS/statistics/events`, checked as documented. */
export async function startFakeBrevo(options: { onSend?: (sms: BrevoSms) => void } = {}): Promise<FakeBrevo> {
  const sent: BrevoSms[] = [];
  const refuse = new Map<string, number>();
  let next = 1_511_882_900_176_220;
  const server: Server = createServer(async (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.headers["api-key"] !== API_KEY) return reply(401, { code: "unauthorized", message: "Key not found" });
    const url = new URL(req.url ?? "/", "http://x");
    if (req.method === "POST" && url.pathname === "/v3/transactionalSMS/send") {
      const body = JSON.parse(await read(req)) as Omit<BrevoSms, "messageId" | "at">;
      if (typeof body.sender !== "string" || !/^[A-Za-z0-9]{1,11}$|^\d{12,15}$/.test(body.sender)) return reply(400, { code: "invalid_parameter", message: "sender is invalid" });
      if (typeof body.recipient !== "string" || !/^\+?\d{6,15}$/.test(body.recipient)) return reply(400, { code: "invalid_parameter", message: "recipient is invalid" });
      if (typeof body.content !== "string" || body.content.length === 0) return reply(400, { code: "missing_parameter", message: "content is missing" });
      const refused = refuse.get(body.recipient);
      if (refused) return reply(refused, { code: refused === 400 ? "invalid_parameter" : "internal_error", message: "refused by test" });
      const sms: BrevoSms = { ...body, messageId: next++, at: new Date().toISOString() };
      sent.push(sms);
      options.onSend?.(sms);
      return reply(201, { messageId: sms.messageId });
    }
    if (req.method === "GET" && url.pathname === "/v3/transactionalSMS/statistics/events") {
      const tags = url.searchParams.get("tags");
      const limit = Number(url.searchParams.get("limit") ?? 50);
      const offset = Number(url.searchParams.get("offset") ?? 0);
      const events = sent
        .filter((s) => !tags || [s.tag ?? []].flat().includes(tags))
        .flatMap((s) => [
          { phoneNumber: s.recipient, date: s.at, messageId: String(s.messageId), event: "sent", tag: [s.tag ?? []].flat()[0] },
          { phoneNumber: s.recipient, date: s.at, messageId: String(s.messageId), event: s.recipient.endsWith("99") ? "hardBounce" : "delivered", tag: [s.tag ?? []].flat()[0], ...(s.recipient.endsWith("99") ? { reason: "Numéro inexistant" } : {}) },
        ]);
      return reply(200, { events: events.slice(offset, offset + limit) });
    }
    reply(404, { code: "not_found", message: "no such route" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sent,
    refuse,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    req.on("data", (c: Buffer) => (data += c.toString("utf8")));
    req.on("end", () => resolve(data));
    req.on("error", reject);
  });
}
