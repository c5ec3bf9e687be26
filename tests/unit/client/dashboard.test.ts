import { describe, expect, it } from "vitest";
import { apiQueryOf, followUpHref, paramsOf, shareText, viewOf } from "../../../client/pages/dashboard/view";

// The dashboard's view in the address, and where a bar of the aged balance leads.

describe("the dashboard's address", () => {
  it("reads the sites and the period, leaving out what is not a date", () => {
    expect(viewOf({ site: "LYO,VIL", from: "2026-01-01", to: "demain" })).toEqual({ site: ["LYO", "VIL"], from: "2026-01-01", to: undefined });
    expect(viewOf({})).toEqual({ site: undefined, from: undefined, to: undefined });
  });

  it("writes a change back, an emptied value out of the address", () => {
    expect(paramsOf({ site: [] })).toEqual({ site: undefined });
    expect(paramsOf({ site: ["LYO"], from: "2026-01-01" })).toEqual({ site: "LYO", from: "2026-01-01" });
    expect(apiQueryOf({ site: ["LYO", "VIL"], to: "2026-11-22" })).toBe("site=LYO%2CVIL&to=2026-11-22");
  });

  it("opens the follow-up table filtered to a bar's bucket, and to the sites chosen", () => {
    expect(followUpHref("60+", {})).toBe("/suivi?lateBucket=60%2B");
    expect(new URL(followUpHref("16-30", { site: ["LYO", "VIL"] }), "http://x").searchParams.get("site")).toBe("LYO,VIL");
  });

  it("writes a share in French, a dash when there is nothing to divide", () => {
    expect(shareText(1, 3)).toBe("33 %");
    expect(shareText(0, 0)).toBe("—");
  });
});
