import { bodyLimit } from "hono/body-limit";
import { secureHeaders } from "hono/secure-headers";
import { Hono } from "hono";
import { requireSession } from "./auth/middleware";
import { compressAnswers } from "./compress";
import { authRoutes } from "./auth/routes";
import { userRoutes } from "./auth/user-routes";
import { twoFactorRoutes } from "./auth/two-factor-routes";
import type { AppEnv, Services } from "./context";
import { debtorRoutes } from "./debtors/routes";
import { followUpRoutes } from "./follow-up/routes";
import { customerRoutes } from "./customers/routes";
import { dashboardRoutes } from "./dashboard/routes";
import { errorBody, respondWithError } from "./errors";
import { createRouter } from "./http";
import { refuseCrossSite } from "./cross-site";
import { inlineStyleSources, serveClient } from "./static";
import { syncRoutes } from "./sync/routes";
import { approvalRoutes } from "./engine/routes";
import { configRoutes } from "./engine/config-routes";
import { caseRoutes } from "./cases/routes";
import { billingRoutes } from "./billing/routes";
import { messagingRoutes } from "./messaging/routes";
import { webhookRoutes } from "./messaging/webhook-routes";
import { blobRoutes } from "./evidence/routes";
import { MAX_PHOTO_BYTES } from "./evidence/blobs";
import { IMPORT_MAX_BYTES, importRoutes } from "./imports/routes";
import { systemRoutes } from "./system/routes";
import { siteRoutes } from "./sites/routes";
import { MAX_LOGO_BYTES } from "../shared/schemas/sites";
import { logoTooLarge } from "./sites/sites";
import { auditRoutes } from "./audit/routes";
import { auditAccess } from "./audit/access";
import { setupRoutes } from "./setup/routes";
import { privacyRoutes } from "./privacy/routes";
import { accessRoutes } from "./privacy/access-routes";
import { statementRoutes } from "./statement/routes";
import { handOverRoutes } from "./cases/hand-over-routes";
import { createLogger, requestLog } from "./monitoring/logger";
import { createMetrics } from "./monitoring/metrics";
import { metricsHandler } from "./monitoring/routes";

/** The whole HTTP application: the API under /api and the built client everywhere else. */
export function createApp(services: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const logger = (services.logger ??= createLogger(services.config.logLevel));
  const metrics = (services.metrics ??= createMetrics({ ...services, onError: (gauge, error) => logger.warn({ gauge, err: error }, "metric not read") }));
  app.use("*", async (c, next) => {
    c.set("services", services);
    await next();
  });
  // First to start and last to end: the line and the latency cover every other middleware.
  app.use("*", requestLog(logger, (r) => metrics.request(r)));
  // Phones on weak 4G: lists and scripts go compressed.
  app.use("*", compressAnswers());
  app.use(
    "*",
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", ...inlineStyleSources(services.config.clientDir)],
        imgSrc: ["'self'", "data:", "blob:"],
        connectSrc: ["'self'"],
        workerSrc: ["'self'"],
        manifestSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    }),
  );

  const api = createRouter();
  // The API's answers carry people's names, debts and addresses: no shared or browser cache keeps them, unless a
  // route says otherwise (a photo, addressed by its hash, is private and never changes).
  api.use("*", async (c, next) => {
    await next();
    if (!c.res.headers.has("Cache-Control")) c.res.headers.set("Cache-Control", "no-store");
  });
  api.use("*", auditAccess);
  api.use("*", refuseCrossSite);
  // JSON bodies are small; a larger one is a mistake or an attack. Photo uploads get their own limit.
  const jsonLimit = bodyLimit({
    maxSize: 1024 * 1024,
    onError: (c) => c.json(errorBody("PAYLOAD_TOO_LARGE", "Request body over 1 MiB"), 413),
  });
  const fileLimit = bodyLimit({
    maxSize: IMPORT_MAX_BYTES,
    onError: (c) => c.json(errorBody("PAYLOAD_TOO_LARGE", `File over ${IMPORT_MAX_BYTES / 1024 / 1024} MiB`), 413),
  });
  const photoLimit = bodyLimit({
    maxSize: MAX_PHOTO_BYTES,
    onError: (c) => c.json(errorBody("PAYLOAD_TOO_LARGE", `Photo de plus de ${MAX_PHOTO_BYTES / 1024 / 1024} Mo : refusée, rien n'est gardé (le téléphone réduit les photos avant l'envoi).`), 413),
  });
  const logoLimit = bodyLimit({ maxSize: MAX_LOGO_BYTES, onError: (c) => {
      // Answered before the body is read: the connection cannot carry another request.
      c.header("connection", "close");
      return respondWithError(logoTooLarge(Number(c.req.header("content-length") ?? MAX_LOGO_BYTES + 1)), c);
    },
  });
  api.use("*", (c, next) =>
    c.req.path.startsWith("/api/imports/") ? fileLimit(c, next) : c.req.path.startsWith("/api/blobs/") && c.req.method === "PUT" ? photoLimit(c, next) : /^\/api\/sites\/[^/]+\/logo$/.test(c.req.path) && c.req.method === "PUT" ? logoLimit(c, next) : jsonLimit(c, next),
  );
  api.route("/", systemRoutes);
  api.route("/", authRoutes);
  api.route("/", userRoutes);
  api.route("/", twoFactorRoutes);
  api.route("/", debtorRoutes);
  api.route("/", followUpRoutes);
  api.route("/", customerRoutes);
  api.route("/", dashboardRoutes);
  api.route("/", syncRoutes);
  api.route("/", approvalRoutes);
  api.route("/", configRoutes);
  api.route("/", caseRoutes);
  api.route("/", billingRoutes);
  api.route("/", messagingRoutes);
  // Brevo posts SMS delivery events here, with no session: the route checks its own secret token.
  api.route("/", webhookRoutes);
  api.route("/", blobRoutes);
  api.route("/", importRoutes);
  api.route("/", siteRoutes);
  api.route("/", auditRoutes);
  api.route("/", setupRoutes);
  api.route("/", privacyRoutes);
  api.route("/", accessRoutes);
  api.route("/", statementRoutes);
  api.route("/", handOverRoutes);
  api.openAPIRegistry.registerComponent("securitySchemes", "session", {
    type: "apiKey",
    in: "cookie",
    name: "cadenas_session",
    description: "Set by POST /api/auth/login",
  });
  // The rule: only health and sign-in answer without a session, the API's description included.
  api.use("/openapi.json", requireSession);
  api.doc31("/openapi.json", {
    openapi: "3.1.0",
    servers: [{ url: "/api" }],
    info: { title: "Cadenas API", version: process.env.npm_package_version ?? "dev", description: "Unpaid rent recovery for self-storage sites." },
  });
  api.onError(respondWithError);

  app.route("/api", api);
  // A sub-app's notFound is not consulted once mounted: unknown API paths must be caught before the client's
  // catch-all, or they would get index.html.
  app.all("/api/*", (c) => c.json(errorBody("NOT_FOUND", `No API route ${c.req.method} ${c.req.path}`), 404));
  app.onError(respondWithError);
  // Beside the API, not in it: scrapers expect /metrics, and it answers to a token or the machine itself, not a session.
  app.get("/metrics", metricsHandler(metrics, services.config.metricsToken));
  serveClient(app, services.config.clientDir);
  return app;
}
