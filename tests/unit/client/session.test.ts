import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

// The app's start asks the server who is signed in. Only the answer "nobody" (or a 401) signs the phone out: a
// server that fails or cannot be reached leaves the remembered user signed in, with their phone's data.

const remembered = {
  user: { id: "u-vt", name: "Valérie Thomas", initials: "VT", email: "vt@example.test", role: "site_manager", sites: [] },
  settings: { timeZone: "Europe/Paris", serverMessaging: { email: false, sms: false } },
};

function answer(status: number, body: unknown) {
  vi.stubGlobal(
    "fetch",
    vi.fn(async () => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } })),
  );
}

/** session.ts reads what the phone remembers when it loads: a fresh copy for each test. */
async function start(rememberedSession: unknown) {
  vi.resetModules();
  if (rememberedSession) localStorage.setItem("cadenas.session", JSON.stringify(rememberedSession));
  return import("../../../client/session");
}

describe("the app's start", () => {
  beforeEach(() => localStorage.clear());
  afterEach(() => vi.unstubAllGlobals());

  it("keeps the remembered user when the server fails (a fault is not a refusal)", async () => {
    answer(503, { error: { code: "UNAVAILABLE", message: "database busy" } });
    const session = await start(remembered);
    await session.refreshSession();
    expect(session.user()?.id).toBe("u-vt");
    expect(localStorage.getItem("cadenas.session")).not.toBeNull();
  });

  it("signs the phone out when the server says nobody is signed in", async () => {
    answer(200, { user: null });
    const session = await start(remembered);
    await session.refreshSession();
    expect(session.user()).toBeNull();
    expect(localStorage.getItem("cadenas.session")).toBeNull();
  });

  it("takes the server's user and settings when someone is", async () => {
    answer(200, { ...remembered, settings: { ...remembered.settings, timeZone: "America/Cayenne" } });
    const session = await start(undefined);
    expect(session.user()).toBeUndefined();
    await session.refreshSession();
    expect(session.user()?.id).toBe("u-vt");
    expect(session.settings().timeZone).toBe("America/Cayenne");
  });

  it("shows the sign-in page when nobody is remembered and the server fails", async () => {
    answer(500, { error: { code: "INTERNAL", message: "boom" } });
    const session = await start(undefined);
    await session.refreshSession();
    expect(session.user()).toBeNull();
  });
});
