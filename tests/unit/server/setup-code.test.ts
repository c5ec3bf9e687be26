import { describe, expect, it } from "vitest";
import { SetupCode } from "../../../server/setup/setup-code";

describe("the first run's setup code", () => {
  it("reads without look-alike characters, in two groups of five", () => {
    for (let i = 0; i < 50; i++) expect(SetupCode.generate().code).toMatch(/^[A-HJKMNP-Z2-9]{5}-[A-HJKMNP-Z2-9]{5}$/);
  });

  it("matches whatever the case, dashes or spaces, and never again once spent", () => {
    const setup = SetupCode.generate();
    expect(setup.matches(` ${setup.code.toLowerCase().replace("-", " ")} `)).toBe(true);
    setup.spend();
    expect(setup.open).toBe(false);
    expect(setup.matches(setup.code)).toBe(false);
  });

  it("stops working after 20 wrong codes, so it cannot be guessed", () => {
    const setup = SetupCode.generate();
    for (let i = 0; i < 19; i++) expect(setup.matches("WRONG-CODE0")).toBe(false);
    expect(setup.open).toBe(true);
    expect(setup.matches("WRONG-CODE0")).toBe(false);
    expect(setup.open).toBe(false);
    expect(setup.matches(setup.code)).toBe(false);
  });
});
