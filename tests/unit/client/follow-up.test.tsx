import { Route, Router } from "@solidjs/router";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@solidjs/testing-library";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FollowUpResponse, type FollowUpRow } from "../../../shared/schemas/follow-up";
import { addDays } from "../../../shared/dates";
import { apiQueryOf, pagesFor, paramsOf, viewOf, windowOf } from "../../../client/pages/follow-up/view";

// The office's follow-up table (Suivi des impayés) against a stubbed server that answers the contract
// (FollowUpQuery → FollowUpResponse, checked with its schema): the view lives in the address, the table is
// windowed (never more than ~100 rows in the DOM whatever the total), pages are asked for by offset as it scrolls,
// and the way back from a debtor's page finds the table where it was.

const office = { id: "u-office", email: "bureau@demo.test", name: "Sophie Bernard", initials: "SB", role: "office", sites: [{ id: "00000000-0000-4000-8000-0000000000a1", code: "LYO", name: "Lyon Gerland", phone: null }] };
vi.hoisted(() => {
  localStorage.setItem(
    "cadenas.session",
    JSON.stringify({
      user: { id: "u-office", email: "bureau@demo.test", name: "Sophie Bernard", initials: "SB", role: "office", sites: [{ id: "00000000-0000-4000-8000-0000000000a1", code: "LYO", name: "Lyon Gerland", phone: null }] },
      settings: { timeZone: "Europe/Paris", serverMessaging: { email: false, sms: false } },
    }),
  );
});

const { FollowUpPage } = await import("../../../client/pages/follow-up/FollowUpPage");
const { queryClient } = await import("../../../client/query");

const TODAY = "2026-11-30";
const ROW_HEIGHT = 56;

function rowAt(i: number): FollowUpRow {
  return {
    customerId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    ref: `C${String(i).padStart(6, "0")}`,
    name: `Client ${i}`,
    kind: i % 3 === 0 ? "company" : "person",
    scenario: "standard",
    site: { id: office.sites[0]!.id, code: "LYO", name: "Lyon Gerland" },
    units: [`A${i % 90}`],
    balanceCents: 10_000 + i,
    oldestDueOn: addDays(TODAY, -30),
    daysLate: 30,
    caseId: null,
    level: "R2",
    stage: "R2",
    nextStep: { code: "R3", on: addDays(TODAY, 5) },
    promise: i % 2 === 0 ? { on: addDays(TODAY, -2), amountCents: 5_000, state: "broken" } : null,
    paymentPlan: false,
    padlock: true,
    gateSuspended: i % 2 === 1,
    lastAction: { at: "2026-11-25T09:00:00.000Z", initials: "SB", text: "Appel : pas de réponse" },
    stop: false,
    dispute: null,
    handedOverAt: null,
  };
}

let asked: URLSearchParams[] = [];
function stubServer(total: number) {
  asked = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string) => {
      const u = new URL(url, "http://localhost");
      if (u.pathname === "/api/followup") {
        asked.push(u.searchParams);
        const offset = Number(u.searchParams.get("offset"));
        const limit = Number(u.searchParams.get("limit"));
        const rows = Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, k) => rowAt(offset + k));
        // The answer goes through the contract, so the screen is tested against what the server may send.
        const body = FollowUpResponse.parse({ asOf: TODAY, total, totalBalanceCents: total * 10_000, offset, nextCursor: offset + limit < total ? String(offset + limit) : null, rows });
        return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
      }
      return new Response(JSON.stringify({ error: { code: "NOT_FOUND", message: "not in this test" } }), { status: 404, headers: { "content-type": "application/json" } });
    }),
  );
}

function show(path: string) {
  history.replaceState(null, "", path);
  return render(() => (
    <Router>
      <Route path="*" component={FollowUpPage} />
    </Router>
  ));
}

const page = () => document.querySelector<HTMLElement>("[data-follow-up-state]")!;
const scroller = () => document.querySelector<HTMLDivElement>(".fu-scroller")!;
const rowsInDom = () => document.querySelectorAll("tr.fu-row").length;

/** jsdom lays nothing out: give the scroller a height and let the test move it. */
function scrollTo(top: number) {
  Object.defineProperty(scroller(), "scrollTop", { value: top, writable: true, configurable: true });
  fireEvent.scroll(scroller());
}

beforeEach(() => {
  sessionStorage.clear();
  Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => 700 });
});

afterEach(() => {
  cleanup();
  queryClient.clear();
  vi.unstubAllGlobals();
});

describe("the follow-up view in the address", () => {
  it("reads the contract's names, drops a value it refuses and keeps the rest", () => {
    const view = viewOf({ level: "R2,R3", lateBucket: "31-45", minBalance: "150,5", padlock: "maybe", sort: "balance" });
    expect(view).toMatchObject({ level: ["R2", "R3"], lateBucket: ["31-45"], sort: "balance", dir: "desc" });
    expect(view.padlock).toBeUndefined();
    // "150,5" is not a number to z.coerce: dropped rather than the whole view.
    expect(viewOf({ idleDays: "0", q: "dupont" })).toEqual({ q: "dupont", sort: "daysLate", dir: "desc" });
  });

  it("writes lists with commas and leaves defaults out of the address, but not out of the API's query", () => {
    expect(paramsOf({ level: ["R1", "R2"], site: [], q: "", sort: "daysLate", dir: "desc" })).toEqual({ level: "R1,R2", site: undefined, q: undefined, sort: undefined, dir: undefined });
    expect(apiQueryOf({ level: ["R1"], sort: "daysLate", dir: "desc" })).toBe("level=R1&sort=daysLate&dir=desc");
  });

  it("windows at most 100 rows, and asks for the pages that hold them", () => {
    expect(windowOf(0, 700, ROW_HEIGHT, 100_000, 8)).toEqual({ first: 0, last: 30 });
    expect(windowOf(3000 * ROW_HEIGHT, 700, ROW_HEIGHT, 100_000, 8)).toEqual({ first: 2992, last: 3022 });
    expect(windowOf(0, 100_000, ROW_HEIGHT, 100_000, 8).last).toBe(100);
    expect(windowOf(0, 700, ROW_HEIGHT, 3, 8)).toEqual({ first: 0, last: 3 });
    expect(pagesFor(2992, 3022, 100)).toEqual([29, 30]);
  });
});

describe("Suivi des impayés", () => {
  it("shows the total and its balance, with only the rows in sight in the DOM, and asks for the view in the address", async () => {
    stubServer(5000);
    show("/suivi?level=R2&lateBucket=31-45");
    await waitFor(() => expect(page().dataset.followUpState).toBe("ready"));
    expect(page().dataset.total).toBe("5000");
    expect(screen.getByTestId("fu-total").textContent).toBe("5000");
    expect(screen.getByTestId("fu-total-balance").textContent?.replace(/\s/g, " ")).toMatch(/^500 000,00 €$/);
    expect(rowsInDom()).toBeGreaterThan(10);
    expect(rowsInDom()).toBeLessThanOrEqual(100);
    const first = asked[0]!;
    expect(Object.fromEntries(first)).toEqual({ level: "R2", lateBucket: "31-45", sort: "daysLate", dir: "desc", offset: "0", limit: "100" });
    // French labels and amounts, and the way to the debtor's page keeps the way back.
    const row = within(document.querySelector<HTMLElement>('tr[data-row-index="0"]')!);
    expect(row.getByText("Relance 2 (LRAR)")).toBeTruthy();
    expect(row.getByText("Non tenue")).toBeTruthy();
    expect(row.getByRole("link").getAttribute("href")).toBe(`/debiteurs/${rowAt(0).customerId}?retour=${encodeURIComponent("/suivi?level=R2&lateBucket=31-45")}`);
  });

  it("asks for the pages further down as the table scrolls, and keeps the DOM small", async () => {
    stubServer(100_000);
    show("/suivi");
    await waitFor(() => expect(page().dataset.followUpState).toBe("ready"));
    scrollTo(42_000 * ROW_HEIGHT);
    await waitFor(() => expect(document.querySelector('tr.fu-row[data-customer-id$="000000042000"]')).toBeTruthy());
    expect(asked.map((q) => q.get("offset"))).toContain("41900");
    expect(asked.map((q) => q.get("offset"))).toContain("42000");
    expect(rowsInDom()).toBeLessThanOrEqual(100);
    expect(document.querySelector(".fu-table")!.getAttribute("aria-rowcount")).toBe("100001");
    // The rows' place is held by spacers: the table is as tall as all its rows.
    const spacers = [...document.querySelectorAll<HTMLElement>("tr.fu-spacer")].map((s) => parseInt(s.style.height, 10));
    expect(spacers[0]! + spacers[1]! + rowsInDom() * ROW_HEIGHT).toBe(100_000 * ROW_HEIGHT);
  });

  it("sorts by a column's header, says so with aria-sort, and turns the order over on a second click", async () => {
    stubServer(300);
    show("/suivi");
    await waitFor(() => expect(page().dataset.followUpState).toBe("ready"));
    const balance = () => document.querySelector<HTMLElement>('button[data-sort="balance"]')!;
    expect(balance().closest("th")!.getAttribute("aria-sort")).toBe("none");
    expect(document.querySelector('button[data-sort="daysLate"]')!.closest("th")!.getAttribute("aria-sort")).toBe("descending");
    fireEvent.click(balance());
    await waitFor(() => expect(location.search).toBe("?sort=balance"));
    await waitFor(() => expect(asked.at(-1)!.get("sort")).toBe("balance"));
    expect(balance().closest("th")!.getAttribute("aria-sort")).toBe("descending");
    fireEvent.click(balance());
    await waitFor(() => expect(new URLSearchParams(location.search).get("dir")).toBe("asc"));
    expect(balance().closest("th")!.getAttribute("aria-sort")).toBe("ascending");
    await waitFor(() => expect(asked.at(-1)!.get("dir")).toBe("asc"));
  });

  it("combines filters in the address, searches once typing pauses, and comes back with the back button", async () => {
    stubServer(300);
    show("/suivi");
    await waitFor(() => expect(page().dataset.followUpState).toBe("ready"));
    fireEvent.click(screen.getByRole("button", { name: /^Filtres/ }));
    const level = within(document.querySelector<HTMLElement>('[data-filter="level"]')!);
    // One tap at a time, as a hand does: each one a step in the history.
    fireEvent.click(level.getByRole("button", { name: "R2" }));
    await waitFor(() => expect(location.search).toBe("?level=R2"));
    fireEvent.click(level.getByRole("button", { name: "R3" }));
    await waitFor(() => expect(location.search).toBe("?level=R2%2CR3"));
    fireEvent.click(within(document.querySelector<HTMLElement>('[data-filter="padlock"]')!).getByRole("button", { name: "Posé" }));
    await waitFor(() => expect(new URLSearchParams(location.search).get("padlock")).toBe("yes"));
    fireEvent.change(screen.getByRole("textbox", { name: "Nombre de jours sans action" }), { target: { value: "10" } });
    await waitFor(() => expect(Object.fromEntries(new URLSearchParams(location.search))).toEqual({ level: "R2,R3", padlock: "yes", idleDays: "10" }));
    expect(level.getByRole("button", { name: "R3" }).getAttribute("aria-pressed")).toBe("true");
    expect(document.querySelector("[data-active-filters]")!.getAttribute("data-active-filters")).toBe("3");

    const before = asked.length;
    const search = screen.getByTestId("fu-search");
    fireEvent.input(search, { target: { value: "Dé" } });
    fireEvent.input(search, { target: { value: "Dépôt" } });
    // Not at each key: nothing asked until the pause.
    expect(new URLSearchParams(location.search).get("q")).toBeNull();
    await waitFor(() => expect(new URLSearchParams(location.search).get("q")).toBe("Dépôt"));
    await waitFor(() => expect(asked.at(-1)!.get("q")).toBe("Dépôt"));
    expect(asked.slice(before).filter((q) => q.has("q")).map((q) => q.get("q"))).toEqual(["Dépôt"]);

    history.back();
    await waitFor(() => expect(new URLSearchParams(location.search).get("q")).toBeNull());
    await waitFor(() => expect((screen.getByTestId("fu-search") as HTMLInputElement).value).toBe(""));
    expect(new URLSearchParams(location.search).get("idleDays")).toBe("10");
  });

  it("comes back from a debtor's page where it was", async () => {
    stubServer(100_000);
    show("/suivi?level=R2");
    await waitFor(() => expect(page().dataset.followUpState).toBe("ready"));
    scrollTo(5000 * ROW_HEIGHT);
    await waitFor(() => expect(document.querySelector('tr.fu-row[data-row-index="5000"]')).toBeTruthy());
    cleanup();

    // Back on the same view: the table scrolls to where it was, and shows those rows.
    const assigned: number[] = [];
    const proto = HTMLDivElement.prototype;
    Object.defineProperty(proto, "scrollTop", {
      configurable: true,
      get() {
        return (this as { _top?: number })._top ?? 0;
      },
      set(v: number) {
        (this as { _top?: number })._top = v;
        assigned.push(v);
      },
    });
    try {
      show("/suivi?level=R2");
      await waitFor(() => expect(document.querySelector('tr.fu-row[data-row-index="5000"]')).toBeTruthy());
      expect(assigned).toContain(5000 * ROW_HEIGHT);
      cleanup();
      // Another view starts at the top.
      show("/suivi?level=R3");
      await waitFor(() => expect(page().dataset.followUpState).toBe("ready"));
      expect(document.querySelector('tr.fu-row[data-row-index="0"]')).toBeTruthy();
    } finally {
      delete (proto as { scrollTop?: number }).scrollTop;
    }
  });
});
