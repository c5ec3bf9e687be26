import type { ApiErrorBody, ErrorCode } from "../shared/errors";

/** An API call that failed: `code` is the server's error code, or NETWORK when the server could not be reached. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | "NETWORK",
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

let onUnauthorized: () => void = () => {};
/** Called when the server says the session is gone (401), so the app can ask to sign in again. */
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

export async function apiGet<T>(path: string): Promise<T> {
  return request<T>("GET", path);
}

export async function apiPost<T>(path: string, body?: unknown): Promise<T> {
  return request<T>("POST", path, body);
}

export async function apiPut<T>(path: string, body: unknown): Promise<T> {
  return request<T>("PUT", path, body);
}

export async function apiPatch<T>(path: string, body: unknown): Promise<T> {
  return request<T>("PATCH", path, body);
}

export async function apiDelete<T>(path: string): Promise<T> {
  return request<T>("DELETE", path);
}

/** The problems a 400 names, one line each (`details.issues`), or the message alone. */
export function problemsOf(error: unknown): string[] {
  if (!(error instanceof ApiError)) return [error instanceof Error ? error.message : "L'enregistrement a échoué."];
  const issues = (error.details as { issues?: { message: string }[] } | undefined)?.issues;
  return issues?.length ? issues.map((i) => i.message) : [error.message];
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`/api${path}`, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "NETWORK", "Pas de connexion au serveur.");
  }
  if (response.ok) {
    // A 202 or 204 may have no body at all.
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  throw await failureOf(response);
}

/**
 * A file the server hands out (`Content-Disposition: attachment`): its bytes and the name the server gives it. For
 * downloads that must say when they are done or why they failed, which a plain link cannot.
 */
export async function apiDownload(path: string): Promise<{ blob: Blob; fileName: string | null }> {
  let response: Response;
  try {
    response = await fetch(`/api${path}`, { credentials: "same-origin" });
  } catch {
    throw new ApiError(0, "NETWORK", "Pas de connexion au serveur.");
  }
  if (!response.ok) throw await failureOf(response);
  const fileName = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") ?? "")?.[1] ?? null;
  return { blob: await response.blob(), fileName };
}

async function failureOf(response: Response): Promise<ApiError> {
  const payload = (await response.json().catch(() => null)) as ApiErrorBody | null;
  const error = payload?.error
    ? new ApiError(response.status, payload.error.code, payload.error.message, payload.error.details)
    : new ApiError(response.status, response.status >= 500 ? "INTERNAL" : "NOT_FOUND", `Erreur ${response.status}`);
  if (error.code === "UNAUTHENTICATED") onUnauthorized();
  return error;
}
