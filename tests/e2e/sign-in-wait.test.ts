import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Clock } from "../../server/context";
import { TEST_NOW, TEST_TODAY, startTestServer, type TestServer } from "../support/server";
import { copyOfBuiltClient, launchChromium, phoneContext, screenshot, signInThroughTheForm, watchErrors } from "./browser";

// A stranger hammers a site manager's e-mail from elsewhere: the manager's own phone (it signed in before) still
// signs in through the form, while a phone the account never used is told, in French, how long to wait.

let at = TEST_NOW.getTime();
const clock: Clock = { now: () => new Date(at), today: () => TEST_TODAY, todayIn: () => TEST_TODAY };
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  // The attacker's address comes through X-Forwarded-For; the phones' is the socket's (127.0.0.1).
  server = await startTestServer({ clientDir: copyOfBuiltClient(), env: { TRUST_PROXY: "loopback" }, start: { clock } });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function strangerTries(email: string, failures: number): Promise<void> {
  for (let failed = 0; failed < failures; ) {
    const res = await fetch(`${server.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": "203.0.113.9" },
      body: JSON.stringify({ email, password: `devine-${failed}` }),
    });
    if (res.status === 401) failed++;
    else at += Number(res.headers.get("retry-after")) * 1000;
  }
}

it("lets the manager's own phone in while a stranger is slowed, and tells a new phone how long to wait", async () => {
  const email = "gestionnaire@demo.test";
  const own = await phoneContext(browser, server.url);
  const ownPage = await own.newPage();
  const errors = watchErrors(ownPage);
  await signInThroughTheForm(ownPage, email);
  await ownPage.context().clearCookies({ name: "cadenas_session" });

  await strangerTries(email, 15);

  // The phone that signed in before: straight in.
  await signInThroughTheForm(ownPage, email);

  // A phone the account never signed in from waits, and is told so before the password is even looked at.
  const other = await (await phoneContext(browser, server.url)).newPage();
  await signInThroughTheForm(other, email, "demo", "failure");
  const alert = other.getByText(/^Trop d'essais : réessayez dans \d+ s\.$/);
  await alert.waitFor();
  expect(await alert.textContent()).toBe("Trop d'essais : réessayez dans 32 s.");
  await screenshot(other, "sign-in-wait-phone");
  expect(errors).toEqual([]);
});
