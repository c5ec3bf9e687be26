import { fireEvent, render, screen } from "@solidjs/testing-library";
import { describe, expect, it, vi } from "vitest";
import { ActionButton } from "../../../client/components/Saving";
import { TextForm } from "../../../client/pages/debtor/forms";

// Two quick taps on a save button record one action; the button says it is saving, and a failed save says why
// and lets the user try again. The true double tap is in tests/e2e/double-tap.test.ts; these pin the guard itself.

/** A save that waits until the test lets it finish (or fail). */
function held() {
  let finish!: () => void;
  let fail!: (e: Error) => void;
  const save = vi.fn(
    () =>
      new Promise<void>((resolve, reject) => {
        finish = resolve;
        fail = reject;
      }),
  );
  return { save, finish: () => finish(), fail: (e: Error) => fail(e) };
}

describe("a save button", () => {
  it("records once for two submits in the same instant, says it is saving, and closes once saved", async () => {
    const { save, finish } = held();
    const done = vi.fn();
    render(() => <TextForm label="Note" onSubmit={save} onDone={done} />);
    fireEvent.input(screen.getByLabelText("Note"), { target: { value: "Passé au bureau" } });
    const button = screen.getByRole("button", { name: "Enregistrer" }) as HTMLButtonElement;
    const form = button.closest("form")!;
    // Both submits before anything is awaited, as two taps queued before the page redraws.
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    expect(save).toHaveBeenCalledTimes(1);
    expect(save).toHaveBeenCalledWith("Passé au bureau");
    expect(button.disabled).toBe(true);
    expect(button.getAttribute("aria-busy")).toBe("true");
    expect(button.textContent).toBe("Enregistrement…");
    finish();
    await vi.waitFor(() => expect(done).toHaveBeenCalledTimes(1));
    expect(save).toHaveBeenCalledTimes(1);
  });

  it("says why a save failed and can be tapped again", async () => {
    const { save, fail, finish } = held();
    render(() => (
      <ActionButton class="button secondary" action={save}>
        Suspendre le code
      </ActionButton>
    ));
    const button = screen.getByRole("button", { name: "Suspendre le code" }) as HTMLButtonElement;
    button.click();
    button.click();
    expect(save).toHaveBeenCalledTimes(1);
    // A small button in a row keeps its label (and its width) while saving; it is marked busy.
    expect(button.getAttribute("aria-busy")).toBe("true");
    expect(button.textContent).toBe("Suspendre le code");
    fail(new Error("disque plein"));
    await screen.findByRole("alert");
    expect(screen.getByRole("alert").textContent).toBe("Non enregistré\u202f: disque plein. Réessayez.");
    expect(button.disabled).toBe(false);
    expect(button.getAttribute("aria-busy")).toBe("false");
    expect(button.textContent).toBe("Suspendre le code");

    button.click();
    expect(save).toHaveBeenCalledTimes(2);
    expect(screen.queryByRole("alert")).toBeNull();
    finish();
    await vi.waitFor(() => expect(button.disabled).toBe(false));
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
