import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import type { ZodType } from "zod";
import { ApiErrorBody } from "../shared/errors";
import { requireSession } from "./auth/middleware";
import type { AppEnv } from "./context";
import { validationError } from "./errors";

/** A router whose request validation failures become 400 `VALIDATION_FAILED` errors naming each field. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target === "json" ? "body" : result.target);
    },
  });
}

type RouteConfig = Parameters<typeof createRoute>[0];

/**
 * A route that needs a session: the session middleware runs before validation and the handler. Every route is
 * declared with this unless it is one of the few public ones (health, login, the OpenAPI document).
 */
export function protectedRoute<const R extends Omit<RouteConfig, "middleware" | "security">>(config: R) {
  return createRoute({ ...config, middleware: [requireSession] as const, security: [{ session: [] }] });
}

/** A route anyone may call. */
export const publicRoute = createRoute;

/** `{ content: { "application/json": { schema } }, description }` for route declarations. */
export function json<T extends ZodType>(schema: T, description: string) {
  return { content: { "application/json": { schema } }, description };
}

const ERROR_DESCRIPTIONS = {
  400: "Invalid request: the body or parameters named in `details.issues` are wrong",
  401: "No valid session",
  403: "Not allowed for this role",
  404: "Not found, or outside the user's sites",
  409: "Conflicts with what is stored",
  410: "The link was used, expired or replaced by a newer one",
  413: "Body too large",
  415: "Body is not JSON",
  422: "The file was refused: every problem is listed in `details.errors`, nothing was written",
  429: "Too many attempts; see Retry-After",
  500: "A fault on the server (not a refusal): nothing was recorded; try again later",
  503: "The server is busy: nothing was recorded; try again shortly",
} as const;

/** The error answers a route may give, all with the same `{"error": …}` body. */
export function errors<S extends keyof typeof ERROR_DESCRIPTIONS>(...statuses: S[]) {
  return Object.fromEntries(statuses.map((s) => [s, json(ApiErrorBody, ERROR_DESCRIPTIONS[s])])) as Record<
    S,
    ReturnType<typeof json<typeof ApiErrorBody>>
  >;
}
