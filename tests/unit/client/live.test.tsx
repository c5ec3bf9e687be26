// First: Dexie's live queries run only where the page has an IndexedDB (jsdom has none).
import "fake-indexeddb/auto";
import { fireEvent, render, screen } from "@solidjs/testing-library";
import { Show } from "solid-js";
import { describe, expect, it } from "vitest";
import { LiveWait } from "../../../client/components/LiveWait";
import { CadenasDB } from "../../../client/store/db";
import { useLive } from "../../../client/store/live";

// A read of the phone's store that fails must say so and offer to read again, never spin for ever.

function Screen(props: { read: () => Promise<number>; stalledAfterMs?: number }) {
  const count = useLive(() => null, props.read, { stalledAfterMs: props.stalledAfterMs });
  return (
    <Show when={count() !== undefined} fallback={<LiveWait live={count} />}>
      <p>{count()} en attente</p>
    </Show>
  );
}

describe("a live read of the phone's store", () => {
  it("shows why a read failed and reads again on « Réessayer »", async () => {
    const db = new CadenasDB("live-failed");
    let broken = true;
    // A read IndexedDB refuses (here: by an index the store does not have), until it no longer does.
    const read = () => (broken ? db.outbox.where("notAnIndex").equals(1).count() : db.outbox.count());
    render(() => <Screen read={read} />);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Lecture impossible des données du téléphone.");
    expect(document.querySelector("[aria-busy]")).toBeNull();

    broken = false;
    fireEvent.click(screen.getByRole("button", { name: "Réessayer" }));
    expect((await screen.findByText("0 en attente")).tagName).toBe("P");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("says so when a read never answers (a closed database), and reads again once it is back", async () => {
    const db = new CadenasDB("live-closed");
    await db.open();
    db.close({ disableAutoOpen: true });
    render(() => <Screen read={() => db.outbox.count()} stalledAfterMs={50} />);
    expect((await screen.findByRole("alert")).textContent).toContain("La lecture ne répond pas.");

    await db.open();
    fireEvent.click(screen.getByRole("button", { name: "Réessayer" }));
    expect((await screen.findByText("0 en attente")).tagName).toBe("P");
  });

  it("shows a spinner while the first read runs", () => {
    render(() => <Screen read={() => new Promise<number>(() => {})} />);
    expect(document.querySelector("[aria-busy]")).not.toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
