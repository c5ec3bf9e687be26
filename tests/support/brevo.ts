import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { smsCount } from "../../shared/messaging/sms";
import { TEST_NOW } from "./server";

// A Brevo that behaves as Brevo documents its transactional SMS, not as our code expects it to:
// - `POST /v3/transactionalSMS/send` (201 `{messageId}`) and the deprecated `POST /v3/transactionalSMS/sms`
//   (201 `{reference, messageId, smsCount, usedCredits, remainingCredits}`), the `api-key` header checked (401
//   `{code: "unauthorized"}`), the sender (≤ 11 letters/digits or ≤ 15 digits), the recipient (country code, digits)
//   and `webUrl` checked (400 `{code: "invalid_parameter"}`), credits spent per segment (402 `not_enough_credits`);
// - `GET /v3/transactionalSMS/statistics/events` with its query (`limit` ≤ 100, `offset`, `days` or
//   `startDate`+`endDate`, `phoneNumber`, `event`, `tags`, `sort`, default descending) answering
//   `{events: [{phoneNumber, date, messageId, event, reason, tag}]}` with the plural event names of
//   `GetSmsEventsResponse` (`sent`, `accepted`, `delivered`, `hardBounces`, `softBounces`, `blocked`, `rejected`,
//   `skipped`…), each event visible only once its time has come (an SMS is `sent`, then `accepted`, then
//   delivered or bounced, seconds to minutes later);
// - `tags` as the SDKs pass it ("a serialized urlencoded array": `tags=%5B%22a%22%5D`); a value that is not such an
//   array filters nothing (the worst a client can meet: every event of the account comes back);
// - the events endpoint limited like "all other endpoints" (100 requests an hour on ordinary plans): every answer
//   carries `x-sib-ratelimit-limit/remaining/reset` (seconds), and one over the budget is a 429;
// - the webhook of `webUrl`: a POST per event with the documented fields (`id`, `to`, `sms_count`, `credits_used`,
//   `messageId`, `remaining_credit`, `msg_status`, `date` in Paris time `YYYY-MM-DD HH:MM:SS`, `type`, `reference`,
//   `tag`), credentials in the URL sent as basic authentication, as Brevo's secured webhooks do.
// Time is the fake's own clock (`setNow`), which the tests move with the worker's: nothing waits on the real clock.

export const BREVO_TEST_KEY = "xkeysib-test-key";

/** What becomes of an SMS at the operator: delivered, or one of Brevo's failures (with its reason). */
export type Fate = { event: "delivered" } | { event: "hardBounces" | "softBounces" | "blocked" | "rejected" | "skipped"; reason: string };

export interface BrevoSms {
  sender: string;
  recipient: string;
  content: string;
  type?: string;
  tag?: string | string[];
  webUrl?: string;
  unicodeEnabled?: boolean;
  messageId: number;
  reference: string;
  /** When Brevo took it (the fake's clock). */
  at: Date;
  segments: number;
}

export interface BrevoEvent {
  phoneNumber: string;
  date: string;
  messageId: string;
  event: string;
  reason?: string;
  tag?: string;
}

export interface FakeBrevoOptions {
  key?: string;
  /** Requests to the events endpoint allowed per window (Brevo: 100 an hour). */
  eventsLimit?: number;
  eventsWindowSeconds?: number;
  /** Seconds from the request to each event: `sent`, `accepted`, then the final one. */
  delays?: { sent: number; accepted: number; final: number };
  /** SMS credits left (a segment costs one); unset: unlimited. */
  credits?: number;
  /** Senders the account may not use (Brevo refuses them as it refuses a malformed one: 400 `invalid_parameter`). */
  refuseSenders?: string[];
  /** Numbers Brevo will not send to (400 `invalid_parameter` on the recipient). */
  refuseRecipients?: string[];
  /** What happens to each number; unset: delivered. */
  fate?: (recipient: string) => Fate;
  /** Called once Brevo took an SMS, before it answers (a test kills the worker there). */
  onSend?: (sms: BrevoSms) => void;
}

export interface FakeBrevo {
  url: string;
  key: string;
  sent: BrevoSms[];
  /** Every request, with the fake's time and the answer's status. */
  requests: { method: string; path: string; query: string; status: number; at: Date }[];
  /** Requests the events endpoint answered (any status). */
  eventsRequests(): number;
  now(): Date;
  setNow(at: Date): void;
  advance(seconds: number): void;
  setCredits(credits: number | undefined): void;
  /** Someone else uses the same key: the events budget of the window is spent by this much. */
  spendEventsBudget(n: number): void;
  /** The events Brevo has for its SMS at the fake's now (what the events endpoint would list, unfiltered). */
  events(): BrevoEvent[];
  /** Posts every event due by now and not posted yet to its SMS's `webUrl`; the answers' statuses. */
  deliverWebhooks(): Promise<{ url: string; status: number; body: Record<string, unknown> }[]>;
  close(): Promise<void>;
}

const WEBHOOK_STATUS: Record<string, string> = {
  sent: "sent",
  accepted: "accepted",
  delivered: "delivered",
  hardBounces: "hard_bounce",
  softBounces: "soft_bounce",
  blocked: "blocked",
  rejected: "rejected",
  skipped: "skip",
};

export async function startFakeBrevo(options: FakeBrevoOptions = {}): Promise<FakeBrevo> {
  const key = options.key ?? BREVO_TEST_KEY;
  const delays = options.delays ?? { sent: 2, accepted: 5, final: 90 };
  const limit = options.eventsLimit ?? 100;
  const windowMs = (options.eventsWindowSeconds ?? 3600) * 1000;
  const sent: BrevoSms[] = [];
  const requests: FakeBrevo["requests"] = [];
  const posted = new Set<string>();
  let credits = options.credits;
  let now = new Date(TEST_NOW);
  let window = { start: 0, used: 0 };
  let next = 1_511_882_900_176_220;
  // The webhook's id: the same for every call to one URL, as Brevo documents it.
  const webhookId = 26_570;

  const tagOf = (s: BrevoSms) => (Array.isArray(s.tag) ? s.tag[0] : s.tag);
  const eventsOf = (s: BrevoSms): BrevoEvent[] => {
    const fate = options.fate?.(s.recipient) ?? { event: "delivered" as const };
    const at = (seconds: number) => new Date(s.at.getTime() + seconds * 1000).toISOString();
    const base = { phoneNumber: s.recipient, messageId: String(s.messageId), ...(tagOf(s) ? { tag: tagOf(s) } : {}) };
    // Blocked, rejected or skipped numbers are refused by Brevo itself: no `sent` before.
    if (fate.event === "blocked" || fate.event === "rejected" || fate.event === "skipped") return [{ ...base, date: at(delays.sent), event: fate.event, reason: fate.reason }];
    return [
      { ...base, date: at(delays.sent), event: "sent" },
      { ...base, date: at(delays.accepted), event: "accepted" },
      { ...base, date: at(delays.final), event: fate.event, ...(fate.event === "delivered" ? {} : { reason: fate.reason }) },
    ];
  };
  const visible = () => sent.flatMap(eventsOf).filter((e) => Date.parse(e.date) <= now.getTime());

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((error: Error) => reply(res, 500, { code: "internal_error", message: error.message }));
  });

  function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://brevo.invalid");
    const log = (status: number) => requests.push({ method: req.method ?? "", path: url.pathname, query: url.search, status, at: new Date(now) });
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      log(status);
      reply(res, status, body, headers);
    };
    if (req.headers["api-key"] !== key) return answer(401, { code: "unauthorized", message: "Key not found" });

    if (req.method === "POST" && (url.pathname === "/v3/transactionalSMS/send" || url.pathname === "/v3/transactionalSMS/sms")) {
      let body: Partial<BrevoSms>;
      try {
        body = JSON.parse(await read(req)) as Partial<BrevoSms>;
      } catch {
        return answer(400, { code: "bad_request", message: "Malformed JSON" });
      }
      if (typeof body.sender !== "string" || body.sender === "") return answer(400, { code: "missing_parameter", message: "sender is missing" });
      const numeric = /^\d{1,15}$/.test(body.sender);
      if ((!numeric && !/^[A-Za-z0-9 ]{1,11}$/.test(body.sender)) || options.refuseSenders?.includes(body.sender)) return answer(400, { code: "invalid_parameter", message: "sender is not valid" });
      if (typeof body.recipient !== "string" || body.recipient === "") return answer(400, { code: "missing_parameter", message: "recipient is missing" });
      if (!/^\d{8,15}$/.test(body.recipient) || options.refuseRecipients?.includes(body.recipient)) return answer(400, { code: "invalid_parameter", message: "recipient is not a valid mobile number" });
      if (typeof body.content !== "string" || body.content === "") return answer(400, { code: "missing_parameter", message: "content is missing" });
      if (body.webUrl !== undefined && !/^https?:\/\/\S+$/.test(body.webUrl)) return answer(400, { code: "invalid_parameter", message: "webUrl is not valid" });
      if (body.type !== undefined && body.type !== "transactional" && body.type !== "marketing") return answer(400, { code: "invalid_parameter", message: "type is not valid" });
      const segments = smsCount(body.content).segments;
      if (credits !== undefined && credits < segments) return answer(402, { code: "not_enough_credits", message: "Not enough credits to send the SMS" });
      if (credits !== undefined) credits -= segments;
      const sms: BrevoSms = { ...(body as BrevoSms), messageId: next++, reference: `ref${next.toString(36)}`, at: new Date(now), segments };
      sent.push(sms);
      options.onSend?.(sms);
      if (url.pathname.endsWith("/send")) return answer(201, { messageId: sms.messageId });
      return answer(201, { reference: sms.reference, messageId: sms.messageId, smsCount: segments, usedCredits: segments, remainingCredits: credits ?? 1000 });
    }

    if (req.method === "GET" && url.pathname === "/v3/transactionalSMS/statistics/events") {
      if (now.getTime() >= window.start + windowMs) window = { start: now.getTime(), used: 0 };
      const reset = String(Math.max(1, Math.ceil((window.start + windowMs - now.getTime()) / 1000)));
      if (window.used >= limit) {
        return answer(429, { code: "too_many_requests", message: "The expected rate limit is exceeded." }, { "x-sib-ratelimit-limit": String(limit), "x-sib-ratelimit-remaining": "0", "x-sib-ratelimit-reset": reset });
      }
      window.used++;
      const headers = { "x-sib-ratelimit-limit": String(limit), "x-sib-ratelimit-remaining": String(limit - window.used), "x-sib-ratelimit-reset": reset };
      const q = url.searchParams;
      const count = Number(q.get("limit") ?? 50);
      const offset = Number(q.get("offset") ?? 0);
      if (!Number.isInteger(count) || count < 0 || count > 100) return answer(400, { code: "invalid_parameter", message: "limit should be between 0 and 100" }, headers);
      if (!Number.isInteger(offset) || offset < 0) return answer(400, { code: "invalid_parameter", message: "offset is not valid" }, headers);
      const days = q.get("days");
      const start = q.get("startDate");
      const end = q.get("endDate");
      if (days && (start || end)) return answer(400, { code: "invalid_parameter", message: "days is not compatible with startDate and endDate" }, headers);
      if (Boolean(start) !== Boolean(end)) return answer(400, { code: "invalid_parameter", message: "startDate and endDate are both required" }, headers);
      const today = now.toISOString().slice(0, 10);
      const from = days ? new Date(Date.parse(`${today}T00:00:00Z`) - (Number(days) - 1) * 86_400_000).toISOString().slice(0, 10) : start;
      const to = end ?? today;
      const sort = q.get("sort") ?? "desc";
      const tags = parseTags(q.get("tags"));
      const phone = q.get("phoneNumber")?.replace(/\D/g, "");
      const event = q.get("event");
      const found = visible()
        .filter((e) => !from || (e.date.slice(0, 10) >= from && e.date.slice(0, 10) <= to))
        .filter((e) => !tags || (e.tag !== undefined && tags.includes(e.tag)))
        .filter((e) => !phone || e.phoneNumber.replace(/\D/g, "") === phone)
        .filter((e) => !event || e.event === event || (event === "bounces" && /Bounces$/.test(e.event)))
        .sort((a, b) => (sort === "asc" ? a.date.localeCompare(b.date) : b.date.localeCompare(a.date)));
      return answer(200, { events: found.slice(offset, offset + count) }, headers);
    }
    answer(404, { code: "document_not_found", message: "Route not found" });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    key,
    sent,
    requests,
    eventsRequests: () => requests.filter((r) => r.path === "/v3/transactionalSMS/statistics/events").length,
    now: () => new Date(now),
    setNow: (at) => {
      now = new Date(at);
    },
    advance: (seconds) => {
      now = new Date(now.getTime() + seconds * 1000);
    },
    setCredits: (c) => {
      credits = c;
    },
    spendEventsBudget: (n) => {
      if (now.getTime() >= window.start + windowMs) window = { start: now.getTime(), used: 0 };
      window.used += n;
    },
    events: visible,
    async deliverWebhooks() {
      const out: { url: string; status: number; body: Record<string, unknown> }[] = [];
      for (const s of sent) {
        if (!s.webUrl) continue;
        for (const e of eventsOf(s)) {
          const id = `${e.messageId}|${e.event}`;
          if (Date.parse(e.date) > now.getTime() || posted.has(id)) continue;
          posted.add(id);
          const target = new URL(s.webUrl);
          const headers: Record<string, string> = { "content-type": "application/json" };
          // Credentials in the URL go as basic authentication: fetch refuses a URL carrying them.
          if (target.username || target.password) {
            headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString("base64")}`;
            target.username = "";
            target.password = "";
          }
          const body = {
            id: webhookId,
            to: s.recipient,
            sms_count: s.segments,
            credits_used: s.segments,
            messageId: s.messageId,
            remaining_credit: credits ?? 1000,
            msg_status: WEBHOOK_STATUS[e.event] ?? e.event,
            date: parisTime(new Date(e.date)),
            type: s.type ?? "transactional",
            reference: s.reference,
            ...(e.tag ? { tag: e.tag } : {}),
            ...(e.reason ? { description: e.reason } : {}),
          };
          const res = await fetch(target, { method: "POST", headers, body: JSON.stringify(body) });
          await res.arrayBuffer();
          out.push({ url: target.toString(), status: res.status, body });
        }
      }
      return out;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** `tags` as the SDKs document it: a JSON array of strings, URL-encoded; anything else is no filter. */
function parseTags(raw: string | null): string[] | null {
  if (!raw) return null;
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) && parsed.every((t) => typeof t === "string") ? parsed : null;
  } catch {
    return null;
  }
}

/** Brevo's webhooks date events in Paris time, `YYYY-MM-DD HH:MM:SS`. */
function parisTime(at: Date): string {
  const parts = new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Paris", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }).format(at);
  return parts.replace("T", " ");
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    req.on("data", (c: Buffer) => (data += c.toString("utf8")));
    req.on("end", () => resolve(data));
    req.on("error", reject);
  });
}
