import { createSignal } from "solid-js";
import type { ClientSettings, LoginBody, SessionAnswer, SessionResponse, SessionUser } from "../shared/schemas/auth";
import type { SetupAccountBody } from "../shared/schemas/setup";
import type { EnrolledResponse, EnrolmentSecret, LoginAnswer, TwoFactorStep } from "../shared/schemas/two-factor";
import { ApiError, apiGet, apiPost, whenUnauthorized } from "./api";

// The signed-in user, remembered on the phone so that the app opens with no signal. `undefined` means
// "not known yet" (first start, still asking the server); `null` means "signed out". Signing out here never
// touches the phone's unsent actions: they wait for the same user to sign in again.

const STORAGE_KEY = "cadenas.session";
const DEFAULT_SETTINGS: ClientSettings = { timeZone: "Europe/Paris", serverMessaging: { email: false, sms: false } };

const remembered = readRemembered();
const [user, setUser] = createSignal<SessionUser | null | undefined>(remembered?.user);
const [settings, setSettings] = createSignal<ClientSettings>(remembered?.settings ?? DEFAULT_SETTINGS);
export { settings, user };

whenUnauthorized(() => signOutLocally());

/**
 * Asks the server who is signed in. Only its answer "nobody" signs the phone out: when the server cannot be
 * reached or fails (a fault is not a refusal), the remembered user stays, and a phone that remembers nobody shows
 * the sign-in page.
 */
export async function refreshSession(): Promise<void> {
  try {
    const answer = await apiGet<SessionAnswer>("/auth/session");
    if (answer.user) remember(answer);
    else signOutLocally();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return signOutLocally();
    if (user() === undefined) setUser(null);
  }
}

/**
 * Signs in with the password: signed in (the user), or a second step to go — the authenticator app's code, or
 * setting one up when the operator requires it — with no session yet.
 */
export async function signIn(credentials: LoginBody): Promise<SessionUser | TwoFactorStep> {
  const answer = await apiPost<LoginAnswer>("/auth/login", credentials);
  if ("twoFactor" in answer) return answer;
  signedIn(answer);
  return answer.user;
}

/** The second step: the app's 6-digit code, or a recovery code. */
export async function signInWithCode(challenge: string, code: string): Promise<SessionUser> {
  const session = await apiPost<SessionResponse>("/auth/login/code", { challenge, code });
  signedIn(session);
  return session.user;
}

/** The secret to put in an authenticator app when the operator requires one (the same one if asked again). */
export function startSignInEnrolment(challenge: string): Promise<EnrolmentSecret> {
  return apiPost<EnrolmentSecret>("/auth/login/enrol/start", { challenge });
}

/**
 * The app's first code: two factors are on and the session open on the server. The phone remembers the session
 * only with `signedIn` — once the recovery codes, shown once, have been put away.
 */
export function finishSignInEnrolment(challenge: string, code: string): Promise<EnrolledResponse> {
  return apiPost<EnrolledResponse>("/auth/login/enrol", { challenge, code });
}

/** The session the server opened, remembered on the phone. */
export function signedIn(session: SessionResponse): void {
  remember({ user: session.user, settings: session.settings });
  // Ask the browser not to evict the phone's store (Safari clears sites not used for 7 days otherwise).
  void navigator.storage?.persist?.().catch(() => false);
}

/** Chooses the password from an invitation or reset link; the server opens a session with it at once. */
export async function choosePassword(token: string, password: string): Promise<SessionUser> {
  const session = await apiPost<SessionResponse>("/auth/password/choose", { token, password });
  remember(session);
  void navigator.storage?.persist?.().catch(() => false);
  return session.user;
}

/** Creates the first office account of an empty server with its setup code; the server signs it in at once. */
export async function setUpFirstAccount(body: SetupAccountBody): Promise<SessionUser> {
  const session = await apiPost<SessionResponse>("/setup/account", body);
  remember(session);
  return session.user;
}

/** Ends the session on the server if it can be reached, and on the phone in any case. */
export async function signOut(): Promise<void> {
  try {
    await apiPost("/auth/logout");
  } catch {
    // Signed out on the phone even if the server is out of reach; the session expires on its own.
  }
  signOutLocally();
}

/** The session is gone (expired, or signed out): ask to sign in again, keeping every unsent action. */
export function signOutLocally(): void {
  localStorage.removeItem(STORAGE_KEY);
  setUser(null);
}

function remember(session: SessionResponse): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  setSettings(session.settings);
  setUser(session.user);
}

function readRemembered(): SessionResponse | undefined {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as SessionResponse) : undefined;
  } catch {
    return undefined;
  }
}
