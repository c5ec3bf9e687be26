import { describe, expect, it } from "vitest";
import { DUMMY_HASH, hashPassword, verifyPassword } from "../../../server/auth/password";

describe("password hashes", () => {
  it("verifies the right password and refuses a wrong one", async () => {
    const hash = await hashPassword("correct horse");
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(await verifyPassword("correct horse", hash)).toBe(true);
    expect(await verifyPassword("correct horsf", hash)).toBe(false);
  });

  it("salts every hash", async () => {
    expect(await hashPassword("demo")).not.toBe(await hashPassword("demo"));
  });

  it("refuses malformed stored hashes and the dummy hash without throwing", async () => {
    expect(await verifyPassword("demo", "")).toBe(false);
    expect(await verifyPassword("demo", "md5$abc")).toBe(false);
    expect(await verifyPassword("", DUMMY_HASH)).toBe(false);
    expect(await verifyPassword("demo", DUMMY_HASH)).toBe(false);
  });
});
