import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { copyOfBuiltClient, deskContext, launchChromium, signInThroughTheForm } from "./browser";
import { startTestServer, type TestServer } from "../support/server";

// An attacker's page on the same host but another port is *same-site* for the browser: SameSite=Lax does not keep
// the session cookie off its forms. Only the server's own check (Sec-Fetch-Site / Origin) stops them.

let server: TestServer;
let browser: Browser;
let evil: Server;
let evilUrl: string;

/** A page that posts a plain HTML form to Cadenas as soon as it loads: no script of Cadenas's, no JSON content type. */
function attackPage(target: string): string {
  const body = `<input type="hidden" name='{"clientId":"0190f1c2-0000-7000-8000-00000000beef","mutations":[],"x":"' value='"}'>`;
  return `<!doctype html><html><body>
    <form id="logout" method="POST" action="${target}/api/auth/logout"></form>
    <form id="push" method="POST" enctype="text/plain" action="${target}/api/sync/push">${body}</form>
    <script>document.getElementById(location.hash === "#push" ? "push" : "logout").submit();</script>
  </body></html>`;
}

beforeAll(async () => {
  server = await startTestServer({ clientDir: copyOfBuiltClient() });
  browser = await launchChromium();
  evil = createServer((_, res) => res.writeHead(200, { "content-type": "text/html" }).end(attackPage(server.url)));
  await new Promise<void>((resolve) => evil.listen(0, "127.0.0.1", resolve));
  evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  evil?.close();
});

it("refuses a form another site's page makes the signed-in browser post, and the session survives", async () => {
  const context = await deskContext(browser, server.url);
  const page = await context.newPage();
  await signInThroughTheForm(page, "bureau@demo.test");
  for (const hash of ["#logout", "#push"]) {
    // The form's navigation, not the app's own background sync.
    const answer = page.waitForResponse((r) => r.url().startsWith(`${server.url}/api/`) && r.request().method() === "POST" && r.request().isNavigationRequest());
    await page.goto(evilUrl + hash);
    const res = await answer;
    expect(res.status(), hash).toBe(403);
    expect((await res.json()).error.code).toBe("CROSS_SITE_REQUEST");
    expect(await res.request().headerValue("sec-fetch-site")).toBe("same-site");
  }
  // Still signed in: the forged sign-out did nothing.
  await page.goto("/");
  await page.getByRole("heading", { name: "Aujourd'hui" }).waitFor();
  await context.close();
});
