// Issue 3, the floor's feel: from the tap on "Enregistrer" to the new line in the debtor's history, on a phone
// holding 5,000 debtors, in real Chromium at 390×844. The phone is offline while measuring, so no server round
// trip can hide in (or flatter) the figure: it is the phone's own work — the outbox write (strict durability),
// the debtor's new view, and the re-render.
import { ensureClientBuilt } from "../server/cli/client-build";
import { HISTORY_LISTED } from "../shared/floor/history";
import { waitForServiceWorker } from "../tests/e2e/browser";
import { startSyncedPhone, type SyncedPhone } from "./support/phone";
import { count, ms, percentile } from "./support/measure";

const DEBTORS = 5_000;
const TAPS = 60;
/** Between two saves: a person writes a note in seconds; this lets the sync pass each save schedules (250 ms
 * later, failing at once offline) run between taps rather than inside the next measurement. */
const PAUSE_MS = 400;
/** The CPU slowed as DevTools does (a mid-range phone is about 4× slower than this machine's core): issue 19's ask. */
const CPU_SLOWDOWN = Number(process.env.TAP_CPU_SLOWDOWN ?? 4);

const benchStarted = performance.now();

const started = performance.now();
await ensureClientBuilt(undefined, (line) => console.log(line));
const buildMs = performance.now() - started;

let phone: SyncedPhone | undefined;
try {
  console.log(`client build check ${ms(buildMs)}`);
  phone = await startSyncedPhone({ debtors: DEBTORS });
  const { page, context, errors, bulk, firstSyncMs } = phone;
  await page.getByText("Tout est envoyé").waitFor();
  // The recorder chunk loads on the first tap: offline, only the service worker's precache can serve it.
  await waitForServiceWorker(page);

  // ---- one debtor, offline -----------------------------------------------------------------------------------
  const customerId = bulk.data.customerIds[0]!;
  await page.goto(`/debiteurs/${customerId}`);
  await page.locator(".timeline").waitFor();
  await page.getByText("Tout est envoyé").waitFor(); // the sync pass of the page load is over
  await context.setOffline(true);
  await page.getByText("Hors connexion").waitFor();
  // Only the taps are slowed: the first sync above is measured at the machine's speed, as before.
  await (await context.newCDPSession(page)).send("Emulation.setCPUThrottlingRate", { rate: CPU_SLOWDOWN });

  const inDom: number[] = [];
  const toFrame: number[] = [];
  const toSaved: number[] = [];
  const toCommit: number[] = [];
  let early = 0;
  for (let tap = 1; tap <= TAPS; tap++) {
    await page.getByRole("button", { name: "Note", exact: true }).click();
    await page.getByRole("textbox", { name: "Note" }).fill(`Note n° ${tap} : client absent, avis de passage laissé dans la boîte aux lettres.`);
    const t = await page.evaluate(saveAndWatch);
    if (t.early) early++;
    inDom.push(t.inDom);
    toFrame.push(t.toFrame);
    toSaved.push(t.saved);
    toCommit.push(t.committed);
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await page.waitForTimeout(PAUSE_MS);
  }
  const pendingShown = await page.locator(".timeline li.pending").count();

  const steady = inDom.slice(1);
  console.log(`\nfirst sync in the browser (sign-in to ${count(DEBTORS)} debtors stored): ${ms(firstSyncMs)}`);
  console.log(`tap "Enregistrer" → new history line in the DOM, ${count(DEBTORS)} debtors cached, offline, CPU slowed ${CPU_SLOWDOWN}×, ${TAPS} taps (target p95 ≤ 16 ms):`);
  console.log(`  all ${TAPS} taps: p50 ${ms(percentile(inDom, 0.5))} · p95 ${ms(percentile(inDom, 0.95))} (target ≤ 16 ms) · max ${ms(Math.max(...inDom))}`);
  console.log(`  first tap: ${ms(inDom[0]!)}`);
  console.log(`  taps 2–${TAPS}: p50 ${ms(percentile(steady, 0.5))} · p95 ${ms(percentile(steady, 0.95))} (target ≤ 16 ms) · max ${ms(Math.max(...steady))}`);
  console.log(
    `  stored durably and shown « en attente d'envoi » (target p95 ≤ 33 ms; outbox + debtor, one strict IndexedDB transaction), taps 2–${TAPS}: p50 ${ms(percentile(toSaved.slice(1), 0.5))} · p95 ${ms(percentile(toSaved.slice(1), 0.95))}` +
      (toSaved.some((v) => v < 0) ? ` (note: ${toSaved.filter((v) => v < 0).length} taps never showed « en attente d'envoi » within 10 s)` : ""),
  );
  console.log(`  of which the transaction's commit (the app's mark), taps 2–${TAPS}: p50 ${ms(percentile(toCommit.slice(1), 0.5))} · p95 ${ms(percentile(toCommit.slice(1), 0.95))}`);
  console.log(`  lines that said « en attente d'envoi » before their transaction committed: ${early} (must be 0)`);
  console.log(`  to the next frame after the DOM change (taps 2–${TAPS}): p50 ${ms(percentile(toFrame.slice(1), 0.5))} · p95 ${ms(percentile(toFrame.slice(1), 0.95))}`);
  if (inDom.some((v) => v < 0)) console.log(`  note: ${inDom.filter((v) => v < 0).length} taps showed no new line within 10 s (counted as -1)`);
  console.log(`  lines shown « en attente d'envoi » after ${TAPS} taps: ${pendingShown} (the screen lists the newest ${HISTORY_LISTED})`);
  if (errors.length > 0) console.log(`  note: the page reported errors: ${errors.slice(0, 3).join(" | ")}`);
} finally {
  await phone?.close();
}
console.log(`\ntap-latency bench took ${(Math.round(performance.now() - benchStarted) / 1000).toFixed(1)} s`);

// ---- in the page -------------------------------------------------------------------------------------------------
// These run in Chromium (serialised by Playwright): they may use only what they declare.

/**
 * Taps "Enregistrer" in the open note sheet and times, with the page's own clock (a MutationObserver armed before
 * the tap): until one more line is in the history (drawn « en cours d'enregistrement », or already stored), until
 * one more line says « en attente d'envoi » (stored), and the frame after the first. `early`: a line said « en
 * attente d'envoi » before the app's mark that its transaction committed — never allowed.
 */
function saveAndWatch(): Promise<{ inDom: number; toFrame: number; saved: number; committed: number; early: boolean }> {
  return new Promise((done) => {
    // The screen lists the newest lines only: the tap's line is the one whose id was not there before.
    const ids = () => new Set([...document.querySelectorAll<HTMLElement>(".timeline li[data-entry-id]")].map((li) => li.dataset.entryId));
    const known = ids();
    const newLine = () => [...document.querySelectorAll<HTMLElement>(".timeline li.pending, .timeline li.saving")].find((li) => !known.has(li.dataset.entryId));
    const save = [...document.querySelectorAll<HTMLButtonElement>('[role="dialog"] button[type="submit"]')].find((b) => b.textContent?.trim() === "Enregistrer");
    if (!save) return done({ inDom: -1, toFrame: -1, saved: -1, committed: -1, early: false });
    let t0 = 0;
    let inDom = -1;
    let toFrame = -1;
    let saved = -1;
    let committed = -1;
    let early = false;
    const finish = () => {
      if (inDom < 0 || toFrame < 0 || saved < 0) return;
      observer.disconnect();
      clearTimeout(timer);
      done({ inDom, toFrame, saved, committed, early });
    };
    const timer = setTimeout(() => {
      observer.disconnect();
      done({ inDom, toFrame, saved, committed, early });
    }, 10_000);
    const observer = new MutationObserver(() => {
      const now = performance.now() - t0;
      const line = newLine();
      if (!line) return;
      if (inDom < 0) {
        inDom = now;
        requestAnimationFrame(() => {
          toFrame = performance.now() - t0;
          finish();
        });
      }
      if (saved < 0 && line.classList.contains("pending")) {
        saved = now;
        // The app marks when the action is durably stored (client/store/record.ts).
        const mark = performance.getEntriesByName("cadenas:saved").at(-1);
        early = !mark || mark.startTime < t0;
        committed = mark && mark.startTime >= t0 ? mark.startTime - t0 : -1;
        finish();
      }
    });
    observer.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ["class"] });
    t0 = performance.now();
    save.click();
  });
}
