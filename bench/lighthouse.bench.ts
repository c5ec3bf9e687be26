// Issue 19: Lighthouse 12's mobile figures (its default config: a mid-range phone, slow 4G and a 4× slower CPU,
// simulated) for the sign-in page and for Aujourd'hui signed in, each the median of 3 runs in Debian's Chromium;
// then what the first screen downloads, compressed (the bytes budgets.json holds CI to). Printed, never asserted.
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { launch, type LaunchedChrome } from "chrome-launcher";
import lighthouse, { type Result } from "lighthouse";
import { ensureClientBuilt } from "../server/cli/client-build";
import { signIn, startTestServer, type TestServer } from "../tests/support/server";
import { formatScreens, measureScreens, readBudget, screensOf } from "./support/first-screen";
import { ms } from "./support/measure";

const RUNS = Number(process.env.LIGHTHOUSE_RUNS ?? 3);
const CATEGORIES = ["performance", "accessibility", "best-practices"] as const;
const METRICS = [
  ["largest-contentful-paint", "LCP", "ms"],
  ["first-contentful-paint", "FCP", "ms"],
  ["total-blocking-time", "TBT", "ms"],
  ["cumulative-layout-shift", "CLS", ""],
  ["speed-index", "Speed Index", "ms"],
] as const;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const benchStarted = performance.now();

await ensureClientBuilt(undefined, (line) => console.log(line));
// A private copy of the built client, so that a build running meanwhile (the test suite's) cannot change it.
const copy = mkdtempSync(join(tmpdir(), "cadenas-lighthouse-"));
cpSync(join(ROOT, "dist/client"), join(copy, "client"), { recursive: true });

let server: TestServer | undefined;
let chrome: LaunchedChrome | undefined;
try {
  // The demo data on its pinned day (TEST_TODAY), as the tests see it.
  server = await startTestServer({ clientDir: join(copy, "client") });
  const cookie = await signIn(server.url, "gestionnaire@demo.test");
  chrome = await launch({
    chromePath: CHROMIUM,
    chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });

  const pages = [
    // The session cookie rides on every request through Lighthouse's extraHeaders (its storage reset leaves
    // cookies alone, but this Chromium has none): a cold start signed in, no service worker nor IndexedDB yet.
    { label: "sign-in page (/connexion)", path: "/connexion", headers: undefined, warm: false },
    { label: "Aujourd'hui signed in as gestionnaire@demo.test (/), cold: no service worker, IndexedDB nor remembered session", path: "/", headers: { Cookie: cookie }, warm: false },
    // The way a site manager opens it every morning: the app installed, its code in the service worker's cache,
    // the debtors in IndexedDB, the session remembered. Lighthouse's storage reset is off; the previous runs (and
    // one uncounted run) leave that state behind.
    { label: "Aujourd'hui, warm: the app already opened on this phone (service worker, IndexedDB, session kept)", path: "/", headers: { Cookie: cookie }, warm: true },
  ];
  for (const page of pages) {
    const runs: Result[] = [];
    let failures = 0;
    for (let run = page.warm ? -1 : 0; run < RUNS; run++) {
      const answer = await lighthouse(`${server.url}${page.path}`, {
        port: chrome.port,
        logLevel: "error",
        output: "json",
        onlyCategories: [...CATEGORIES],
        extraHeaders: page.headers,
        disableStorageReset: page.warm === true,
      });
      if (run < 0) continue;
      if (!answer) throw new Error("Lighthouse gave no result");
      const failed = answer.lhr.runtimeError;
      if (failed) {
        // A trace Lighthouse failed to record (NO_NAVSTART happens on a busy machine) is run again, twice at most.
        if (++failures > 2) throw new Error(`Lighthouse: ${failed.code} ${failed.message}`);
        console.log(`  (run ${run + 1} failed: ${failed.code}; running it again)`);
        run--;
        continue;
      }
      runs.push(answer.lhr);
    }
    report(page.label, page.path, runs);
  }
} finally {
  chrome?.kill();
  await server?.close();
  rmSync(copy, { recursive: true, force: true });
}

console.log("");
const budget = readBudget(ROOT);
console.log(formatScreens(measureScreens(join(ROOT, "dist/client"), screensOf(budget)), budget));
console.log(`\nlighthouse bench took ${(Math.round(performance.now() - benchStarted) / 1000).toFixed(1)} s`);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function report(label: string, path: string, runs: Result[]): void {
  const first = runs[0]!;
  console.log(`\n${label} — Lighthouse ${first.lighthouseVersion}, ${first.configSettings.formFactor}, ${first.configSettings.throttlingMethod} throttling ` +
    `(${first.configSettings.throttling.rttMs} ms RTT, ${Math.round(first.configSettings.throttling.throughputKbps)} kb/s, CPU ×${first.configSettings.throttling.cpuSlowdownMultiplier}), median of ${runs.length} runs`);
  const landed = [...new Set(runs.map((r) => new URL(r.finalDisplayedUrl).pathname))];
  if (landed.length !== 1 || landed[0] !== path) console.log(`  note: the page ended on ${landed.join(", ")} instead of ${path}`);
  const scores = CATEGORIES.map((c) => {
    const values = runs.map((r) => Math.round((r.categories[c]?.score ?? 0) * 100));
    return `${c} ${median(values)} (${values.join(", ")})`;
  });
  console.log(`  scores: ${scores.join(" · ")}  (target 100 each)`);
  const metrics = METRICS.map(([id, name, unit]) => {
    const values = runs.map((r) => r.audits[id]?.numericValue ?? NaN);
    const m = median(values);
    return unit === "ms" ? `${name} ${ms(m)}` : `${name} ${m.toFixed(3)}`;
  });
  console.log(`  ${metrics.join(" · ")}  (target LCP ≤ 1.2 s)`);
  console.log(`  machine's benchmark index: ${runs.map((r) => Math.round(r.environment.benchmarkIndex)).join(", ")}`);
  // Which element the largest paint was, and what held it back: where the next change should look.
  const lcp = first.audits["largest-contentful-paint-element"]?.details as { items?: { items?: { node?: { snippet?: string }; phase?: string; timing?: number }[] }[] } | undefined;
  const node = lcp?.items?.[0]?.items?.[0]?.node?.snippet;
  const phases = (lcp?.items?.[1]?.items ?? []).map((p) => `${p.phase} ${ms(p.timing ?? NaN)}`).join(", ");
  if (node) console.log(`  largest paint (first run): ${node.slice(0, 160)}${phases ? ` — ${phases}` : ""}`);
  // Over its target, what the page waited for: the requests of the (unthrottled) observed load, in order, which
  // Lighthouse's simulation chains one after the other on its slow network.
  const lcpMs = first.audits["largest-contentful-paint"]?.numericValue ?? 0;
  if (lcpMs > 1_200) {
    const requests = (first.audits["network-requests"]?.details as { items?: { url: string; networkRequestTime?: number; networkEndTime?: number; transferSize?: number }[] } | undefined)?.items ?? [];
    console.log(`  requests of the observed load (start → end ms, bytes on the wire), first run:`);
    for (const r of requests.slice(0, 45)) {
      const url = new URL(r.url);
      console.log(`    ${ms(r.networkRequestTime ?? NaN).padStart(9)} → ${ms(r.networkEndTime ?? NaN).padStart(9)}  ${String(r.transferSize ?? 0).padStart(7)} B  ${url.pathname}`);
    }
  }

  // What keeps a category under 100: every scored audit below full marks in any run, with how many runs.
  for (const category of CATEGORIES) {
    if (median(runs.map((r) => Math.round((r.categories[category]?.score ?? 0) * 100))) >= 100) continue;
    const failing = new Map<string, { title: string; runs: number; shown: string; items: string[] }>();
    for (const r of runs) {
      for (const ref of r.categories[category]?.auditRefs ?? []) {
        const audit = r.audits[ref.id];
        if (!audit || audit.score === null || audit.score >= 1) continue;
        if (["notApplicable", "manual", "informative"].includes(audit.scoreDisplayMode)) continue;
        const seen = failing.get(ref.id);
        const shown = `${ref.weight > 0 ? `weight ${ref.weight}, ` : ""}score ${audit.score.toFixed(2)}${audit.displayValue ? `, ${audit.displayValue}` : ""}`;
        failing.set(ref.id, { title: audit.title, runs: (seen?.runs ?? 0) + 1, shown: seen?.shown ?? shown, items: seen?.items ?? itemsOf(audit.details) });
      }
    }
    console.log(`  ${category}: below full marks`);
    for (const [id, f] of failing) {
      console.log(`    ${id} — ${f.title} (${f.shown}; ${f.runs}/${runs.length} runs)`);
      for (const item of f.items) console.log(`      · ${item}`);
    }
  }
}

/** The first few things an audit points at (an element, a URL, a console message), on one line each. */
function itemsOf(details: unknown, limit = 4): string[] {
  const items = (details as { items?: Array<Record<string, unknown>> } | undefined)?.items;
  if (!Array.isArray(items)) return [];
  return items.slice(0, limit).map((item) => {
    const node = item.node as { snippet?: string; nodeLabel?: string } | undefined;
    const source = item.source as { url?: string } | undefined;
    const parts = [node?.snippet, node?.nodeLabel, typeof item.url === "string" ? item.url : undefined, source?.url, item.description, item.issueType, item.label];
    return parts
      .filter((p): p is string => typeof p === "string" && p.length > 0)
      .join(" — ")
      .replace(/\s+/g, " ")
      .slice(0, 220);
  }).filter((line) => line.length > 0);
}
