import { createSignal } from "solid-js";
import type { LoginBody, SessionResponse, SessionUser } from "../shared/schemas/auth";
import { ApiError, apiGet, apiPost, whenUnauthorized } from "./api";

// The signed-in user, remembered on the phone so that the app opens with no signal. `undefined` means
// "not known yet" (first start, still asking the server); `null` means "signed out".

const STORAGE_KEY = "cadenas.user";
const API_CACHE = "api-reads";

const [user, setUser] = createSignal<SessionUser | null | undefined>(readRemembered());
export { user };

whenUnauthorized(() => forget());

/** Asks the server who is signed in; keeps the remembered user when the server cannot be reached. */
export async function refreshSession(): Promise<void> {
  try {
    const { user } = await apiGet<SessionResponse>("/auth/me");
    remember(user);
  } catch (error) {
    if (error instanceof ApiError && error.code === "NETWORK") {
      if (user() === undefined) setUser(null);
      return;
    }
    forget();
  }
}

export async function signIn(credentials: LoginBody): Promise<SessionUser> {
  await clearCachedReads();
  const { user } = await apiPost<SessionResponse>("/auth/login", credentials);
  remember(user);
  return user;
}

export async function signOut(): Promise<void> {
  try {
    await apiPost("/auth/logout");
  } catch {
    // Signed out on the phone even if the server is out of reach; the session expires on its own.
  } finally {
    forget();
    await clearCachedReads();
  }
}

function remember(next: SessionUser): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  setUser(next);
}

function forget(): void {
  localStorage.removeItem(STORAGE_KEY);
  setUser(null);
}

function readRemembered(): SessionUser | undefined {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as SessionUser) : undefined;
  } catch {
    return undefined;
  }
}

/** The service worker keeps the last answers of the read routes; another user must not see them. */
async function clearCachedReads(): Promise<void> {
  if ("caches" in window) await caches.delete(API_CACHE).catch(() => false);
}
