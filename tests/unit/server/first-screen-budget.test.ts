import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { budgetFor, type BudgetFile, measureScreens, overBudget } from "../../../bench/support/first-screen";

// The size check CI runs on the first screen (tests/e2e/first-screen-size.test.ts), over a fake build: what it
// counts (static imports, not dynamic ones), and that going over a budget fails with the sizes and what grew.

const dir = mkdtempSync(join(tmpdir(), "cadenas-first-screen-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fake dist/client: files of `bytes` incompressible-ish content, and a Vite manifest linking them. */
function fakeBuild(name: string, sizes: { entry: number; shared: number; login: number; lazy: number; css: number }): string {
  const client = join(dir, name);
  mkdirSync(join(client, "assets"), { recursive: true });
  mkdirSync(join(client, ".vite"), { recursive: true });
  // Pseudo-random text, distinct per file and the same in every fake build, so that gzip sizes move only with size.
  const text = (n: number) => {
    let seed = n * 7919 + 1;
    let s = "";
    for (let i = 0; i < n; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      s += String.fromCharCode(33 + (seed % 90));
    }
    return s;
  };
  writeFileSync(join(client, "index.html"), "<!doctype html><title>x</title>");
  writeFileSync(join(client, "assets/index-AAAAAAAA.js"), text(sizes.entry));
  writeFileSync(join(client, "assets/web-BBBBBBBB.js"), text(sizes.shared));
  writeFileSync(join(client, "assets/LoginPage-CCCCCCCC.js"), text(sizes.login));
  writeFileSync(join(client, "assets/DebtorPage-DDDDDDDD.js"), text(sizes.lazy));
  writeFileSync(join(client, "assets/index-EEEEEEEE.css"), text(sizes.css));
  const manifest = {
    "index.html": {
      file: "assets/index-AAAAAAAA.js",
      name: "index",
      src: "index.html",
      isEntry: true,
      imports: ["_web-BBBBBBBB.js"],
      dynamicImports: ["pages/login/LoginPage.tsx", "pages/debtor/DebtorPage.tsx"],
      css: ["assets/index-EEEEEEEE.css"],
    },
    "_web-BBBBBBBB.js": { file: "assets/web-BBBBBBBB.js", name: "web" },
    "pages/login/LoginPage.tsx": { file: "assets/LoginPage-CCCCCCCC.js", name: "LoginPage", src: "pages/login/LoginPage.tsx", isDynamicEntry: true, imports: ["_web-BBBBBBBB.js", "index.html"] },
    "pages/debtor/DebtorPage.tsx": { file: "assets/DebtorPage-DDDDDDDD.js", name: "DebtorPage", src: "pages/debtor/DebtorPage.tsx", isDynamicEntry: true, imports: ["_web-BBBBBBBB.js"] },
  };
  writeFileSync(join(client, ".vite/manifest.json"), JSON.stringify(manifest));
  return client;
}

const screens = { shell: [], "sign-in": ["pages/login/LoginPage.tsx"] };
const empty: BudgetFile = { margin: 0.02, screens: { shell: { sources: [], budget: { js: 0, css: 0, html: 0 }, files: {} }, "sign-in": { sources: ["pages/login/LoginPage.tsx"], budget: { js: 0, css: 0, html: 0 }, files: {} } } };

describe("first-screen bytes", () => {
  it("counts the entry, its static imports, their CSS and the screen's own chunk, never a dynamic import", () => {
    const [shell, signIn] = measureScreens(fakeBuild("counted", { entry: 3000, shared: 2000, login: 1000, lazy: 9000, css: 500 }), screens);
    expect(shell!.files.map((f) => f.name).sort()).toEqual(["index.css", "index.html", "index.js", "web.js"]);
    expect(signIn!.files.map((f) => f.name).sort()).toEqual(["LoginPage.js", "index.css", "index.html", "index.js", "web.js"]);
    expect(shell!.totals.js.raw).toBe(5000);
    expect(signIn!.totals.js.raw).toBe(6000);
    expect(signIn!.totals.css.raw).toBe(500);
    for (const f of signIn!.files) expect(f.brotli).toBeGreaterThan(0);
    expect(signIn!.totals.js.gzip).toBe(signIn!.files.filter((f) => f.kind === "js").reduce((sum, f) => sum + f.gzip, 0));
  });

  it("passes within the budget it writes (sizes + margin), and fails over it, naming the sizes, the budget and what grew", () => {
    const before = measureScreens(fakeBuild("before", { entry: 3000, shared: 2000, login: 1000, lazy: 9000, css: 500 }), screens);
    const budget = budgetFor(before, empty);
    expect(budget.screens["sign-in"]!.budget.js).toBeGreaterThanOrEqual(before[1]!.totals.js.gzip * 1.02);
    expect(overBudget(before, budget)).toEqual([]);

    // The shared chunk doubles: both screens go over on JavaScript, their CSS and HTML stay within.
    const after = measureScreens(fakeBuild("after", { entry: 3000, shared: 4000, login: 1000, lazy: 9000, css: 500 }), screens);
    const problems = overBudget(after, budget);
    expect(problems).toHaveLength(2);
    const [, signIn] = problems;
    expect(signIn).toContain(`first screen "sign-in" over budget: js ${after[1]!.totals.js.gzip} B gzip > budget ${budget.screens["sign-in"]!.budget.js} B`);
    expect(signIn).not.toMatch(/css .* > budget/);
    expect(signIn).toMatch(/grew +web\.js: \d+ → \d+ B gzip \(\+\d+ B\)/);
    expect(signIn).not.toMatch(/grew +LoginPage\.js/);
  });

  it("fails on a new file, and on a screen with no budget", () => {
    const before = measureScreens(fakeBuild("one", { entry: 3000, shared: 2000, login: 1000, lazy: 9000, css: 500 }), { shell: [] });
    const budget = budgetFor(before, { margin: 0, screens: {} });
    // The lazy page made static: a new file on the first screen.
    const client = fakeBuild("two", { entry: 3000, shared: 2000, login: 1000, lazy: 9000, css: 500 });
    const manifestPath = join(client, ".vite/manifest.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    manifest["index.html"].imports.push("pages/debtor/DebtorPage.tsx");
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const [problem] = overBudget(measureScreens(client, { shell: [] }), budget);
    expect(problem).toMatch(/new +DebtorPage\.js: \d+ B gzip/);
    expect(overBudget(measureScreens(client, { elsewhere: [] }), budget)).toEqual(['screen "elsewhere" has no budget in budgets.json']);
  });
});
