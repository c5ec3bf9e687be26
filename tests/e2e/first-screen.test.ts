import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { phoneContext, signInThroughTheForm, startPhoneSession, waitUntilSynced, type PhoneSession } from "./browser";

// The first screens come down a weak connection: the sign-in form needs neither the phone's store (Dexie) nor zod,
// and *Aujourd'hui* draws the debtors the phone holds from a plain IndexedDB read while the store's code loads.

let s: PhoneSession;

beforeAll(async () => {
  s = await startPhoneSession();
});
afterAll(() => s?.close());

/** Holds back every script holding Dexie until `release` is called; returns the scripts held so far. */
async function holdTheStore(s: PhoneSession): Promise<{ held: string[]; release(): void }> {
  const held: string[] = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await s.context.route(/\/assets\/.*\.js$/, async (route) => {
    const response = await route.fetch();
    const body = await response.text();
    if (body.includes("Dexie")) {
      held.push(new URL(route.request().url()).pathname);
      await released;
    }
    await route.fulfill({ response, body });
  });
  return { held, release };
}

describe("the first screens", () => {
  it("shows a usable sign-in form, and then the list the phone holds, while the store's code is held back", async () => {
    const { page } = s;
    await signInThroughTheForm(page, "gestionnaire@demo.test");
    const rows = page.locator(".debtor-list > li");
    await rows.first().waitFor();
    await waitUntilSynced(page);
    const before = await rows.count();
    // Scripts must come from the network to be held back: no service worker answers from its cache.
    await page.evaluate(async () => Promise.all((await navigator.serviceWorker.getRegistrations()).map((r) => r.unregister())));
    await page.goto("about:blank");
    await s.context.clearCookies();

    const store = await holdTheStore(s);
    // Signed out: the form is there and takes input with the store's code still held back.
    await page.goto(`${s.server.url}/connexion`);
    const email = page.getByLabel("Adresse e-mail");
    await email.fill("gestionnaire@demo.test");
    expect(await email.inputValue()).toBe("gestionnaire@demo.test");
    await page.getByLabel("Mot de passe").fill("demo");
    await page.getByRole("button", { name: "Se connecter" }).click();
    // Signed in: the debtors come from IndexedDB, read without Dexie.
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(before);
    // The store's code is asked for once signed in, and held: the list above was drawn without it.
    await expect.poll(() => store.held.length, { timeout: 15_000 }).toBeGreaterThan(0);
    store.release();
    await waitUntilSynced(page);
    expect(await rows.count()).toBe(before);
    expect(s.errors).toEqual([]);
  });

  it("draws the brand from the HTML alone, and the sign-in page keeps that very heading as its own", async () => {
    // A phone that never opened the app: no service worker answers in the server's place.
    const context = await phoneContext(s.browser, s.server.url);
    const page = await context.newPage();
    try {
      // Every script and stylesheet held back: what shows is the HTML's own frame, styled by its inline rules
      // (allowed by the server's policy: a refused inline style would be a console error).
      const heldBack = /\/assets\/.*\.(js|css)$/;
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      await page.route(heldBack, async (route) => {
        await released;
        await route.continue();
      });
      const refused: string[] = [];
      page.on("console", (m) => m.type() === "error" && refused.push(m.text()));
      await page.goto(`${s.server.url}/connexion`, { waitUntil: "commit" });
      const heading = page.getByRole("heading", { name: "Cadenas" });
      await heading.waitFor();
      expect(await heading.evaluate((h) => getComputedStyle(h).fontSize)).toBe("32px");
      expect(await page.locator("link[rel=stylesheet]").count()).toBe(0);
      await heading.evaluate((h) => (h.dataset.drawnBy = "html"));

      release();
      await page.getByLabel("Adresse e-mail").waitFor();
      // The same element: the largest paint of the sign-in page comes with the HTML, not after the scripts.
      expect(await page.locator("h1").count()).toBe(1);
      expect(await page.locator("h1").getAttribute("data-drawn-by")).toBe("html");
      expect(refused).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
