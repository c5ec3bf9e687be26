import { Route, Router } from "@solidjs/router";
import { cleanup, fireEvent, render, screen, within } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { UserItem } from "../../../shared/schemas/users";

// The office's Utilisateurs screen against a stubbed server: what it says of each account, a deactivated user's
// phone's last count of unsent actions, and no actions on the accounts the one looking may not edit.

const office = { id: "u-office", email: "bureau@demo.test", name: "Sophie Bernard", initials: "SB", role: "office", sites: [{ id: "s-lyo", code: "LYO", name: "Lyon Gerland", phone: null }] };
vi.hoisted(() => {
  // The session module reads the remembered user when it loads.
  localStorage.setItem(
    "cadenas.session",
    JSON.stringify({
      user: { id: "u-office", email: "bureau@demo.test", name: "Sophie Bernard", initials: "SB", role: "office", sites: [{ id: "s-lyo", code: "LYO", name: "Lyon Gerland", phone: null }] },
      settings: { timeZone: "Europe/Paris", serverMessaging: { email: false, sms: false } },
    }),
  );
});

const { UsersPage } = await import("../../../client/pages/users/UsersPage");
const { queryClient } = await import("../../../client/query");

afterEach(() => {
  cleanup();
  queryClient.clear();
  vi.unstubAllGlobals();
});

function item(over: Partial<UserItem>): UserItem {
  return {
    id: "u-x",
    name: "X",
    email: "x@exemple.test",
    initials: "XX",
    role: "site_manager",
    state: "active",
    sites: [{ id: "s-lyo", code: "LYO", name: "Lyon Gerland" }],
    createdAt: "2026-11-01T08:00:00.000Z",
    deactivatedAt: null,
    lastSeenAt: null,
    pendingOnPhone: null,
    pendingReportedAt: null,
    editable: true,
    twoFactor: false,
    ...over,
  };
}

function stubServer(users: UserItem[]) {
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string) => {
      const answers: Record<string, unknown> = {
        "/api/users": { users },
        "/api/auth/session": { user: office, settings: { timeZone: "Europe/Paris", serverMessaging: { email: false, sms: false } } },
      };
      const body = answers[url] ?? { error: { code: "NOT_FOUND", message: "not in this test" } };
      return new Response(JSON.stringify(body), { status: url in answers ? 200 : 404, headers: { "content-type": "application/json" } });
    }),
  );
}

describe("Utilisateurs", () => {
  it("says a deactivated user's phone still holds unsent actions, and offers to reactivate them", async () => {
    stubServer([
      item({ id: "u-vt", name: "Valérie Thomas", initials: "VT", state: "deactivated", deactivatedAt: "2026-11-22T09:30:00.000Z", pendingOnPhone: 3, pendingReportedAt: "2026-11-22T09:00:00.000Z" }),
      item({ id: "u-co", name: "Camille Olivier", initials: "CO", state: "invited" }),
    ]);
    render(() => (
      <Router>
        <Route path="*" component={UsersPage} />
      </Router>
    ));
    const vt = within((await screen.findByText("Valérie Thomas")).closest("tr")!);
    expect(vt.getByText("Désactivé")).toBeTruthy();
    expect(vt.getByText(/^3 actions non envoyées sur son téléphone \(au 22\/11 à \d\d:00\)$/)).toBeTruthy();
    expect(vt.getByRole("button", { name: "Réactiver Valérie Thomas" })).toBeTruthy();
    expect(vt.queryByRole("button", { name: "Désactiver Valérie Thomas" })).toBeNull();
    const co = within(screen.getByText("Camille Olivier").closest("tr")!);
    expect(co.getByText("Invité")).toBeTruthy();
    expect(co.getByRole("button", { name: "Nouvelle invitation pour Camille Olivier" })).toBeTruthy();
  });

  it("shows the accounts the one looking may not edit without any action", async () => {
    stubServer([item({ id: "u-mg", name: "Marc Girard", role: "manager", editable: false })]);
    render(() => (
      <Router>
        <Route path="*" component={UsersPage} />
      </Router>
    ));
    const row = within((await screen.findByText("Marc Girard")).closest("tr")!);
    expect(row.getByText("Manager")).toBeTruthy();
    expect(row.queryAllByRole("button")).toEqual([]);
  });

  it("checks the form with the shared schema before asking the server", async () => {
    stubServer([]);
    render(() => (
      <Router>
        <Route path="*" component={UsersPage} />
      </Router>
    ));
    fireEvent.click(await screen.findByRole("button", { name: "Nouvel utilisateur" }));
    fireEvent.input(screen.getByLabelText("Nom"), { target: { value: "Camille Durand" } });
    expect((screen.getByLabelText("Initiales") as HTMLInputElement).value).toBe("CD");
    fireEvent.input(screen.getByLabelText("Adresse e-mail"), { target: { value: "camille@exemple.test" } });
    fireEvent.input(screen.getByLabelText("Initiales"), { target: { value: "C1" } });
    fireEvent.click(screen.getByRole("button", { name: "Créer et inviter" }));
    expect((await screen.findByRole("alert")).textContent).toBe("Les initiales comptent 2 à 4 lettres (A à Z), sans accent.");
    expect(vi.mocked(fetch).mock.calls.every(([, init]) => (init as RequestInit | undefined)?.method !== "POST")).toBe(true);
  });
});
