import { Route, Router } from "@solidjs/router";
import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DaysLateBadge, LevelBadge, StageLabel } from "../../../client/components/Badges";
import { LoginPage } from "../../../client/pages/login/LoginPage";

// The sign-in page reads the phone's unsent actions once its form is on screen (a dynamic import of the store):
// here nothing waits on the phone, and no store loads after the test's environment is gone.
vi.mock("../../../client/store/queries", () => ({ unsentOnPhone: async () => ({ count: 0, authors: [] }) }));

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("badges", () => {
  it("colours how late a payment is by how far into the procedure it is", () => {
    const tone = (days: number) => render(() => <DaysLateBadge days={days} />).container.querySelector(".badge")!.className;
    expect(tone(3)).toContain("info");
    expect(tone(15)).toContain("warning");
    expect(tone(46)).toContain("danger");
    expect(tone(61)).toContain("critical");
  });

  it("shows no level before the first reminder, and the stage in French", () => {
    expect(render(() => <LevelBadge level="none" />).container.textContent).toBe("");
    expect(render(() => <LevelBadge level="R2" />).container.textContent).toBe("R2");
    expect(render(() => <StageLabel stage="R3" />).container.textContent).toBe("Mise en demeure");
  });
});

describe("sign-in screen", () => {
  it("checks the e-mail on the phone before asking the server", async () => {
    const fetch = vi.fn();
    vi.stubGlobal("fetch", fetch);
    render(() => (
      <Router>
        <Route path="*" component={LoginPage} />
      </Router>
    ));
    fireEvent.input(await screen.findByLabelText("Adresse e-mail"), { target: { value: "pas-une-adresse" } });
    fireEvent.input(screen.getByLabelText("Mot de passe"), { target: { value: "demo" } });
    fireEvent.click(screen.getByRole("button", { name: "Se connecter" }));
    expect((await screen.findByRole("alert")).textContent).toBe("Saisissez une adresse e-mail valide.");
    // Only the first-run check (is there any account yet?) went out; no sign-in.
    expect(fetch.mock.calls.map(([url]) => String(url)).filter((url) => !url.endsWith("/api/setup"))).toEqual([]);
  });
});
