/**
 * A wait before the next sign-in or "mot de passe oublié" attempt, as a person reads it: seconds while they are few,
 * then whole minutes (rounded up: "dans 2 min" must not be too early), then hours. Said by the server in its 429
 * message and by the sign-in screen from `retryAfterSeconds`.
 */
export function waitInWords(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 90) return `${s} s`;
  const minutes = Math.ceil(s / 60);
  if (minutes < 90) return `${minutes} min`;
  return `${Math.ceil(minutes / 60)} h`;
}

/** "Trop d'essais : réessayez dans 8 s." — the sign-in screen's and the API's words for a slowed sign-in. */
export function tooManyAttempts(seconds: number): string {
  return `Trop d'essais : réessayez dans ${waitInWords(seconds)}.`;
}
