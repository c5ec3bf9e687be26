import { createHash, randomInt, timingSafeEqual } from "node:crypto";

// Letters and digits that cannot be mistaken for one another when read from a log and typed on a phone.
const ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/**
 * The one-time code that lets the first person create the first office account on an empty database. The server
 * prints it in its log at start, so whoever reaches the page first cannot claim the server without having read
 * that log. Kept in memory, as a hash: a restart prints a new one; it stops working once the account exists.
 */
export class SetupCode {
  private hash: Buffer | null;
  private failures = 0;

  private constructor(readonly code: string) {
    this.hash = digest(code);
  }

  static generate(): SetupCode {
    const chars = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]!);
    return new SetupCode(`${chars.slice(0, 5).join("")}-${chars.slice(5).join("")}`);
  }

  get open(): boolean {
    return this.hash !== null;
  }

  /**
   * Whether `typed` is the code. Dashes, spaces and case do not matter. After 20 wrong codes the code is spent and
   * the server must be restarted to print another: guessing it by brute force is not an option.
   */
  matches(typed: string): boolean {
    if (!this.hash) return false;
    const ok = timingSafeEqual(digest(typed), this.hash);
    if (!ok && ++this.failures >= 20) this.hash = null;
    return ok;
  }

  /** The account exists: the code never works again. */
  spend(): void {
    this.hash = null;
  }
}

function digest(code: string): Buffer {
  return createHash("sha256").update(code.toUpperCase().replace(/[\s-]/g, "")).digest();
}
