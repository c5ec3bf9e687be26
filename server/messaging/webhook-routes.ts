import { createHash, timingSafeEqual } from "node:crypto";
import { createMiddleware } from "hono/factory";
import { z } from "zod";
import type { AppEnv } from "../context";
import { errorBody } from "../errors";
import { createRouter, errors, json, publicRoute } from "../http";
import { brevoWebhookEvent } from "./transports";
import { recordSmsEvents } from "./worker";

/**
 * Brevo's SMS delivery webhook: each SMS is sent with `webUrl` (`brevoWebhookUrl`), and Brevo posts its events
 * there (sent, delivered, hard bounce…). No session: Brevo has none. What stands for it is the secret
 * `BREVO_WEBHOOK_TOKEN`, carried the ways Brevo's webhooks can carry it — in the URL's query (`?token=`), as the
 * password of basic authentication (credentials in the URL), or as a bearer token — and compared in constant
 * time. A call without it, or with another, is refused (401) before its body is read, and changes nothing.
 */

/** What Brevo posts for a transactional SMS (its documentation's fields; others are let through, unread). */
const BrevoSmsWebhook = z
  .looseObject({
    id: z.union([z.number(), z.string()]).optional(),
    to: z.string().optional(),
    messageId: z.union([z.number(), z.string()]).optional(),
    msg_status: z.string().optional(),
    date: z.string().optional(),
    tag: z.union([z.string(), z.array(z.string())]).optional(),
    description: z.string().optional(),
    reason: z.string().optional(),
  })
  .meta({ id: "BrevoSmsWebhook" });

const WebhookAnswer = z.object({ recorded: z.number().int() }).meta({ id: "WebhookAnswer" });

/** The token the request carries: `?token=`, `Authorization: Bearer …`, or the password of `Authorization: Basic …`. */
function tokenOf(query: string | undefined, authorization: string | undefined): string | null {
  if (query) return query;
  const [scheme, value] = (authorization ?? "").split(/\s+/, 2);
  if (!value) return null;
  if (/^bearer$/i.test(scheme!)) return value;
  if (/^basic$/i.test(scheme!)) {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    return colon >= 0 ? decoded.slice(colon + 1) : null;
  }
  return null;
}

/** Same length whatever is compared (hashes), then a constant-time comparison: the answer's time says nothing. */
function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(createHash("sha256").update(given).digest(), createHash("sha256").update(expected).digest());
}

const requireWebhookToken = createMiddleware<AppEnv>(async (c, next) => {
  const expected = c.get("services").config.sms.webhookToken;
  const given = tokenOf(c.req.query("token"), c.req.header("authorization"));
  // Unset, no call is Brevo's: every one is refused.
  if (!expected || given === null || !sameSecret(given, expected)) return c.json(errorBody("UNAUTHENTICATED", "Jeton du webhook absent ou invalide"), 401);
  await next();
});

const brevoWebhook = publicRoute({
  method: "post",
  path: "/webhooks/brevo",
  tags: ["messages"],
  summary: "Brevo's SMS delivery events (no session: the secret BREVO_WEBHOOK_TOKEN in the query, or as basic/bearer authentication)",
  middleware: [requireWebhookToken] as const,
  request: { query: z.object({ token: z.string().optional() }), body: { content: { "application/json": { schema: BrevoSmsWebhook } }, required: true } },
  responses: { 200: json(WebhookAnswer, "Recorded (0: an event that changes nothing, or of no SMS of ours)"), ...errors(400, 401) },
});

export const webhookRoutes = createRouter().openapi(brevoWebhook, async (c) => {
  const { db, clock, config } = c.get("services");
  const now = clock.now();
  const event = brevoWebhookEvent(c.req.valid("json"), now);
  const recorded = event ? await recordSmsEvents(db, [event], now, config.siteTimeZone) : 0;
  return c.json({ recorded }, 200);
});
