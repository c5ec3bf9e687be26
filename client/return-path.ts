/** A `retour=` path from the address bar, kept only when it stays on this site ("//evil.example" does not). */
export function safeReturnPath(path: string | undefined): string {
  return path && path.startsWith("/") && !path.startsWith("//") ? path : "/";
}
