import { generate, generateSecret } from "otplib";
import { describe, expect, it } from "vitest";
import {
  enrolmentSecret,
  hashRecoveryCode,
  matchRecoveryCode,
  newRecoveryCodes,
  otpauthUrl,
  readCode,
  totpStep,
} from "../../../server/auth/two-factor";
import { TEST_NOW } from "../../support/server";

// The TOTP rules with the instant always passed in: a code from an authenticator app (otplib, as the app computes
// it) for a fixed time, its drift window, its single use, and recovery codes.

const SECRET = generateSecret();
const at = (offsetSeconds: number) => new Date(TEST_NOW.getTime() + offsetSeconds * 1000);
const codeAt = (date: Date, secret = SECRET) => generate({ secret, epoch: Math.floor(date.getTime() / 1000) });

describe("TOTP codes", () => {
  it("accepts the code of the current 30 s step and tells which step it was", async () => {
    const step = await totpStep(SECRET, await codeAt(TEST_NOW), TEST_NOW, null);
    expect(step).toBe(Math.floor(TEST_NOW.getTime() / 1000 / 30));
  });

  it("accepts a code one step early or late (a phone's clock drifts), not two", async () => {
    const now = TEST_NOW;
    expect(await totpStep(SECRET, await codeAt(at(-30)), now, null)).not.toBeNull();
    expect(await totpStep(SECRET, await codeAt(at(30)), now, null)).not.toBeNull();
    expect(await totpStep(SECRET, await codeAt(at(-60)), now, null)).toBeNull();
    expect(await totpStep(SECRET, await codeAt(at(60)), now, null)).toBeNull();
  });

  it("accepts a code once: the step accepted, and any step before it, is refused afterwards", async () => {
    const code = await codeAt(TEST_NOW);
    const step = await totpStep(SECRET, code, TEST_NOW, null);
    expect(step).not.toBeNull();
    expect(await totpStep(SECRET, code, TEST_NOW, step)).toBeNull();
    // Still within the drift window 20 s later: replay is what refuses it.
    expect(await totpStep(SECRET, code, at(20), step)).toBeNull();
    // The previous step's code, though within the drift window, is older than the last one accepted.
    expect(await totpStep(SECRET, await codeAt(at(-30)), TEST_NOW, step)).toBeNull();
    // The next step's code is fine.
    expect(await totpStep(SECRET, await codeAt(at(30)), at(30), step)).toBe(step! + 1);
  });

  it("refuses another secret's code, and anything that is not 6 digits, without throwing", async () => {
    expect(await totpStep(SECRET, await codeAt(TEST_NOW, generateSecret()), TEST_NOW, null)).toBeNull();
    expect(await totpStep(SECRET, "12345", TEST_NOW, null)).toBeNull();
    expect(await totpStep(SECRET, "abcdef", TEST_NOW, null)).toBeNull();
    expect(await totpStep("not base32!", "123456", TEST_NOW, null)).toBeNull();
  });

  it("puts the issuer Cadenas and the e-mail in the app's link, and draws it as an SVG QR code", async () => {
    expect(otpauthUrl(SECRET, "bureau@demo.test")).toBe(`otpauth://totp/Cadenas:bureau%40demo.test?secret=${SECRET}&issuer=Cadenas`);
    const shown = await enrolmentSecret(SECRET, "bureau@demo.test");
    expect(shown.secret.replaceAll(" ", "")).toBe(SECRET);
    expect(shown.qrCode.startsWith("data:image/svg+xml;base64,")).toBe(true);
    expect(Buffer.from(shown.qrCode.split(",")[1]!, "base64").toString()).toContain("<svg");
  });
});

describe("typed codes", () => {
  it("reads 6 digits as an app's code and 10 letters or digits as a recovery code, spaces and dashes aside", () => {
    expect(readCode(" 123 456 ")).toEqual({ kind: "totp", code: "123456" });
    expect(readCode("abcde-fghjk")).toEqual({ kind: "recovery", code: "ABCDEFGHJK" });
    expect(readCode("12345")).toEqual({ kind: "invalid" });
    // I, L, O and U are not in the recovery codes' alphabet.
    expect(readCode("ABCDE-FGHIJ")).toEqual({ kind: "invalid" });
  });
});

describe("recovery codes", () => {
  it("makes ten different codes, ABCDE-FGHJK, each matching its own hash only", () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    const stored = codes.map((code, i) => ({ id: `r${i}`, codeHash: hashRecoveryCode("user-1", code) }));
    expect(matchRecoveryCode("user-1", codes[3]!, stored)?.id).toBe("r3");
    // Typed in lower case, without the dash: the same code.
    expect(matchRecoveryCode("user-1", codes[3]!.replace("-", "").toLowerCase(), stored)?.id).toBe("r3");
    expect(matchRecoveryCode("user-2", codes[3]!, stored)).toBeNull();
    expect(matchRecoveryCode("user-1", "00000-00000", stored)).toBeNull();
  });

  it("is used once: a spent code is no longer among the ones it is compared with", () => {
    const [code] = newRecoveryCodes();
    const rows = [{ id: "r1", codeHash: hashRecoveryCode("u", code!), usedAt: null as string | null }];
    const unused = () => rows.filter((r) => r.usedAt === null);
    expect(matchRecoveryCode("u", code!, unused())?.id).toBe("r1");
    rows[0]!.usedAt = TEST_NOW.toISOString();
    expect(matchRecoveryCode("u", code!, unused())).toBeNull();
  });
});
