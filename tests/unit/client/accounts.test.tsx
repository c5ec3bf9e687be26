import "fake-indexeddb/auto";
import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { Route, Router } from "@solidjs/router";
import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { v7 as uuidv7 } from "uuid";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PASSWORD_MIN_LENGTH } from "../../../shared/passwords";
import { checkNewPassword } from "../../../client/components/PasswordFields";
import { ForgotPasswordPage } from "../../../client/pages/account/ForgotPasswordPage";
import { PasswordLinkPage } from "../../../client/pages/account/PasswordLinkPage";
import { unsentMessage } from "../../../client/pages/login/LoginPage";
import { CadenasDB } from "../../../client/store/db";
import { recordAction } from "../../../client/store/record";
import { SyncEngine, type TransportAnswer } from "../../../client/store/sync";
import { CUSTOMER, debtorDoc } from "../../support/debtor-doc";

// The pages an account is set up and recovered with, checked without a server: the link page reads its token from
// the fragment and says when a link is stale or cut; the password is checked for length before anything is sent;
// the server's refusal is shown as it comes. And the phone's store after a session ends: unsent actions stay, go
// only with their author's session, and the sign-in screen counts them.

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  window.location.hash = "";
});

/** A fetch that answers by path, as the server would; every call is kept. */
function server(answers: Record<string, { status: number; body?: unknown }>) {
  const calls: { path: string; method: string; body: unknown }[] = [];
  const fetch = vi.fn(async (url: string, init: RequestInit) => {
    const path = url.replace(/^\/api/, "");
    calls.push({ path, method: init.method ?? "GET", body: init.body ? JSON.parse(String(init.body)) : undefined });
    const key = Object.keys(answers).find((k) => path.startsWith(k));
    const answer = key ? answers[key]! : { status: 404, body: { error: { code: "NOT_FOUND", message: "?" } } };
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), { status: answer.status, headers: { "content-type": "application/json" } });
  });
  vi.stubGlobal("fetch", fetch);
  return calls;
}

function openLink(path: string, hash: string) {
  window.history.replaceState(null, "", `${path}${hash}`);
  return render(() => (
    <Router>
      <Route path={["/bienvenue", "/mot-de-passe"]} component={PasswordLinkPage} />
      <Route path="/mot-de-passe-oublie" component={() => <p>forgot</p>} />
    </Router>
  ));
}

const TOKEN = "a".repeat(43);

describe("the password link page", () => {
  it("greets the invited person by name and refuses a short password before asking the server", async () => {
    const calls = server({ "/auth/tokens/": { status: 200, body: { purpose: "invitation", name: "Camille Durand", email: "camille@exemple.test", expiresAt: "2026-11-25T09:00:00.000Z" } } });
    openLink("/bienvenue", `#t=${TOKEN}`);
    await screen.findByRole("heading", { name: "Bienvenue, Camille Durand" });
    expect(calls[0]!.path).toBe(`/auth/tokens/${TOKEN}`);
    fireEvent.input(screen.getByLabelText("Nouveau mot de passe"), { target: { value: "court" } });
    fireEvent.input(screen.getByLabelText("Confirmer le mot de passe"), { target: { value: "court" } });
    fireEvent.click(screen.getByRole("button", { name: "Choisir mon mot de passe" }));
    expect((await screen.findByRole("alert")).textContent).toBe(`Le mot de passe doit compter au moins ${PASSWORD_MIN_LENGTH} caractères.`);
    expect(calls).toHaveLength(1);
  });

  it("shows the server's refusal of a common password as it comes", async () => {
    const reason = "Mot de passe refusé : il est trop courant.";
    const calls = server({
      "/auth/tokens/": { status: 200, body: { purpose: "reset", name: "Camille Durand", email: "camille@exemple.test", expiresAt: "2026-11-22T10:00:00.000Z" } },
      "/auth/password/choose": { status: 400, body: { error: { code: "VALIDATION_FAILED", message: reason, details: { issues: [{ path: "password", message: reason }] } } } },
    });
    openLink("/mot-de-passe", `#t=${TOKEN}`);
    await screen.findByRole("heading", { name: "Nouveau mot de passe pour camille@exemple.test" });
    fireEvent.input(screen.getByLabelText("Nouveau mot de passe"), { target: { value: "motdepasse123" } });
    fireEvent.input(screen.getByLabelText("Confirmer le mot de passe"), { target: { value: "motdepasse123" } });
    fireEvent.click(screen.getByRole("button", { name: "Changer mon mot de passe" }));
    expect((await screen.findByRole("alert")).textContent).toBe(reason);
    expect(calls.at(-1)).toMatchObject({ path: "/auth/password/choose", method: "POST", body: { token: TOKEN, password: "motdepasse123" } });
  });

  it("says a used or expired link is no longer valid and leads to asking for a new one", async () => {
    server({ "/auth/tokens/": { status: 410, body: { error: { code: "LINK_STALE", message: "stale" } } } });
    const { container } = openLink("/bienvenue", `#t=${TOKEN}`);
    await screen.findByRole("heading", { name: "Ce lien n'est plus valable" });
    expect(container.querySelector("[data-link-state]")!.getAttribute("data-link-state")).toBe("stale");
    expect(screen.getByRole("link", { name: "Demander un nouveau lien" }).getAttribute("href")).toBe("/mot-de-passe-oublie");
  });

  it("says a link without its token is incomplete, without asking the server", async () => {
    const calls = server({});
    openLink("/bienvenue", "");
    await screen.findByRole("heading", { name: "Ce lien est incomplet" });
    expect(calls).toHaveLength(0);
  });
});

describe("mot de passe oublié", () => {
  it("answers the same sentence whatever the address, once the server took the request", async () => {
    const calls = server({ "/auth/forgot": { status: 202 } });
    window.history.replaceState(null, "", "/mot-de-passe-oublie");
    render(() => (
      <Router>
        <Route path="*" component={ForgotPasswordPage} />
      </Router>
    ));
    fireEvent.input(await screen.findByLabelText("Adresse e-mail"), { target: { value: " Personne@Exemple.test " } });
    fireEvent.click(screen.getByRole("button", { name: "Recevoir un lien" }));
    await screen.findByText("Si un compte existe pour cette adresse, un lien valable 1 heure vient d'y être envoyé.");
    expect(calls).toEqual([{ path: "/auth/forgot", method: "POST", body: { email: "personne@exemple.test" } }]);
  });
});

describe("the new password's own checks", () => {
  it("asks for the minimum length and the same password twice", () => {
    expect(checkNewPassword("x".repeat(PASSWORD_MIN_LENGTH - 1), "x".repeat(PASSWORD_MIN_LENGTH - 1))).toMatch(/au moins 12 caractères/);
    expect(checkNewPassword("Gerland-quai-42", "Gerland-quai-43")).toBe("Les deux mots de passe ne sont pas identiques.");
    expect(checkNewPassword("Gerland-quai-42", "Gerland-quai-42")).toBeNull();
  });
});

describe("unsent actions when a session ends", () => {
  it("the sign-in screen says how many could not be sent, and whose", () => {
    expect(unsentMessage(0)).toBeNull();
    expect(unsentMessage(1)).toBe("1 action n'a pas pu être envoyée\u202f: elle reste sur ce téléphone et partira quand vous serez reconnecté(e).");
    expect(unsentMessage(3, ["VT"])).toBe(
      "3 actions n'ont pas pu être envoyées\u202f: elles restent sur ce téléphone et partiront quand vous serez reconnecté(e). (Actions de VT.)",
    );
  });

  it("keeps them through a 401, never sends them under another user's session, and sends them when their author is back", async () => {
    const db = new CadenasDB(`phone-${uuidv7()}`, { indexedDB: new IDBFactory(), IDBKeyRange });
    const deactivated = new Set<string>();
    const pushes: { user: string; ids: string[]; pending: number }[] = [];
    let signedIn = "";
    const engine = new SyncEngine(db, {
      async post(path, body): Promise<TransportAnswer> {
        if (deactivated.has(signedIn)) return { ok: true, status: 401, body: { error: { code: "UNAUTHENTICATED", message: "" } } };
        if (path === "/api/sync/push") {
          const b = body as { mutations: { id: string; seq: number }[]; pending: number };
          pushes.push({ user: signedIn, ids: b.mutations.map((m) => m.id), pending: b.pending });
          return { ok: true, status: 200, body: { results: b.mutations.map((m) => ({ id: m.id, status: "applied" })), lastSeq: Math.max(...b.mutations.map((m) => m.seq)) } };
        }
        return { ok: true, status: 200, body: { reset: false, docs: [], removed: [], cursor: "c", hasMore: false, nextPage: null, lastSeq: 0, asOf: "2026-11-22" } };
      },
    });
    const vt = { userId: "user-vt", initials: "VT", timeZone: "Europe/Paris" };
    const bo = { userId: "user-bo", initials: "BO", timeZone: "Europe/Paris" };

    signedIn = vt.userId;
    expect(await engine.syncOnce(vt)).toBe("synced");
    const made = await recordAction(db, vt, "note.added", { customerId: uuidv7(), text: "Passé au bureau" }, new Date("2026-11-22T09:00:00Z"));
    deactivated.add(vt.userId);
    expect(await engine.syncOnce(vt)).toBe("signed-out");
    expect(await db.outbox.count()).toBe(1);

    // Someone else signs in on the same phone: VT's action stays, unsent.
    signedIn = bo.userId;
    expect(await engine.syncOnce(bo)).toBe("synced");
    expect(pushes).toEqual([]);
    expect((await db.outbox.toArray()).map((e) => [e.id, e.status])).toEqual([[made.id, "pending"]]);

    // VT reactivated and back: it goes, and the push says how many were waiting.
    deactivated.delete(vt.userId);
    signedIn = vt.userId;
    expect(await engine.syncOnce(vt)).toBe("synced");
    expect(pushes).toEqual([{ user: vt.userId, ids: [made.id], pending: 1 }]);
  });
});

describe("a phone two people share", () => {
  it("never shows one person's unsent actions on the other's screens", async () => {
    const db = new CadenasDB(`phone-${uuidv7()}`, { indexedDB: new IDBFactory(), IDBKeyRange });
    let signedIn = "";
    const engine = new SyncEngine(db, {
      async post(path, body): Promise<TransportAnswer> {
        if (path === "/api/sync/push") {
          const b = body as { mutations: { id: string; seq: number }[] };
          return { ok: true, status: 200, body: { results: b.mutations.map((m) => ({ id: m.id, status: "applied" })), lastSeq: Math.max(...b.mutations.map((m) => m.seq)) } };
        }
        // The server's copy does not hold the note yet (lastSeq 0): the phone still lays it over.
        return { ok: true, status: 200, body: { reset: true, docs: [debtorDoc()], removed: [], cursor: `c-${signedIn}`, hasMore: false, nextPage: null, lastSeq: 0, asOf: "2026-11-22" } };
      },
    });
    const vt = { userId: "user-vt", initials: "VT", timeZone: "Europe/Paris" };
    const bo = { userId: "user-bo", initials: "BO", timeZone: "Europe/Paris" };

    signedIn = vt.userId;
    await engine.syncOnce(vt);
    await recordAction(db, vt, "note.added", { customerId: CUSTOMER, text: "Passé au bureau" }, new Date("2026-11-22T09:00:00Z"));
    expect((await db.debtors.get(CUSTOMER))!.view).not.toBeNull();

    // BO signs in on the same phone and pulls the same debtor: VT's note is not laid over it.
    signedIn = bo.userId;
    await engine.syncOnce(bo);
    expect((await db.debtors.get(CUSTOMER))!.view).toBeNull();
    expect(await db.outbox.count()).toBe(1);

    // VT again: the note shows again until the server's copy holds it.
    signedIn = vt.userId;
    await engine.syncOnce(vt);
    expect((await db.debtors.get(CUSTOMER))!.view).not.toBeNull();
  });
});
