import { describe, expect, it } from "vitest";
import { counted, plural } from "../../../shared/plural";

describe("French plurals", () => {
  it("keeps the singular for 0 and 1 and takes the plural from 2", () => {
    expect(counted(0, "appel abouti", "appels aboutis")).toBe("0 appel abouti");
    expect(counted(1, "appel abouti", "appels aboutis")).toBe("1 appel abouti");
    expect(counted(2, "appel abouti", "appels aboutis")).toBe("2 appels aboutis");
  });

  it("adds an s by default and takes a given plural for the rest", () => {
    expect(counted(5, "photo")).toBe("5 photos");
    expect(counted(1, "photo")).toBe("1 photo");
    expect(counted(3, "box", "box")).toBe("3 box");
    expect(plural(2, "action mise de côté", "actions mises de côté")).toBe("actions mises de côté");
  });

  it("groups thousands the French way, with a narrow no-break space", () => {
    expect(counted(1500, "client")).toBe("1\u202f500 clients");
  });
});
