import { A } from "@solidjs/router";
import { For, Show, createMemo, createSignal } from "solid-js";
import { todayIn } from "../../../shared/dates";
import { walkCounts, walkthrough, type WalkCategory, type WalkRow } from "../../../shared/floor/walkthrough";
import type { DocUnit } from "../../../shared/schemas/debtor-doc";
import { AppBar } from "../../components/AppBar";
import { PhotoStrip } from "../../components/Photos";
import { LiveWait } from "../../components/LiveWait";
import { formatDateFr, formatInstantShort } from "../../format";
import { settings } from "../../session";
import { useShownDebtors } from "../../store/queries";
import { shown } from "../../store/views";
import { PadlockSheet } from "../debtor/PadlockSheet";

const TITLE: Record<WalkCategory, string> = {
  to_place: "À poser",
  to_remove: "À retirer (payé)",
  confirmed: "Posés, confirmés",
};

/**
 * The padlock walk-through of a site, from what the phone holds (no signal needed in the corridors): the boxes
 * to padlock, those to free after payment, those padlocked as they should be, and first the ones where the record
 * and the procedure disagree for more than 24 h. A box to padlock or to free is recorded from here once done
 * (placed with its photos, or removed); a confirmed one shows who placed it, when, and its photos.
 */
export function WalkthroughPage() {
  const rows = useShownDebtors();
  const today = () => todayIn(settings().timeZone);
  const all = createMemo(() => walkthrough(rows() ?? [], today()));
  const sites = createMemo(() => [...new Set(all().map((r) => r.unit.siteCode))].sort());
  const [site, setSite] = createSignal<string | null>(null);
  const current = () => site() ?? sites()[0] ?? null;
  const here = createMemo(() => all().filter((r) => r.unit.siteCode === current()));
  const counts = () => walkCounts(here());
  const [fixing, setFixing] = createSignal<{ unit: DocUnit; on: boolean } | null>(null);

  return (
    <>
      <AppBar title="Contrôle des cadenas" subtitle={current() ? `Site ${current()}` : undefined} back="/" />
      <main class="page with-status-bar walkthrough">
        <Show when={rows()} fallback={<LiveWait live={rows} />}>
          <Show when={sites().length > 1}>
            <div class="segmented" role="group" aria-label="Site">
              <For each={sites()}>
                {(code) => (
                  <button type="button" aria-pressed={current() === code} onClick={() => setSite(code)}>
                    {code}
                  </button>
                )}
              </For>
            </div>
          </Show>
          <p class="summary">
            <strong>{counts().to_place}</strong> à poser · <strong>{counts().to_remove}</strong> à retirer · <strong>{counts().confirmed}</strong> confirmés
            <Show when={counts().mismatch > 0}>
              {" "}
              · <strong class="mismatch-count">{counts().mismatch} écart{counts().mismatch > 1 ? "s" : ""} &gt; 24 h</strong>
            </Show>
          </p>
          <Show when={here().length > 0} fallback={<p class="empty">Aucun box sous double cadenas ni à cadenasser sur ce site.</p>}>
            <Section title="Écarts de plus de 24 h" rows={here().filter((r) => r.mismatch)} onFix={setFixing} />
            <Section title={TITLE.to_place} rows={here().filter((r) => r.category === "to_place" && !r.mismatch)} onFix={setFixing} />
            <Section title={TITLE.to_remove} rows={here().filter((r) => r.category === "to_remove" && !r.mismatch)} onFix={setFixing} />
            <Section title={TITLE.confirmed} rows={here().filter((r) => r.category === "confirmed")} onFix={setFixing} />
          </Show>
        </Show>
      </main>
      <Show when={fixing()}>{(f) => <PadlockSheet unit={f().unit} on={f().on} onClose={() => setFixing(null)} />}</Show>
    </>
  );
}

function Section(props: { title: string; rows: WalkRow[]; onFix: (fix: { unit: DocUnit; on: boolean }) => void }) {
  return (
    <Show when={props.rows.length > 0}>
      <section class="card">
        <h2>
          {props.title} ({props.rows.length})
        </h2>
        <ul class="plain-list walk-list">
          <For each={props.rows}>{(r) => <WalkItem row={r} onFix={props.onFix} />}</For>
        </ul>
      </section>
    </Show>
  );
}

function WalkItem(props: { row: WalkRow; onFix: (fix: { unit: DocUnit; on: boolean }) => void }) {
  const r = () => props.row;
  return (
    <li classList={{ mismatch: r().mismatch }} data-unit={r().unit.number}>
      <div class="row-line">
        <strong class="unit-number">{r().unit.number}</strong>
        <span class="muted">
          bât. {r().unit.building ?? "—"} · allée {r().unit.aisle ?? "—"}
        </span>
      </div>
      <A href={`/debiteurs/${r().customerId}`} class="walk-who">
        {r().name} · {r().ref}
      </A>
      <Show when={r().category === "to_place"}>
        <span class={r().mismatch ? "flag refused" : "muted"}>Double cadenas prévu depuis le {formatDateFr(r().dueOn!)}, pas enregistré</span>
      </Show>
      <Show when={r().category === "to_remove"}>
        <span class={r().mismatch ? "flag refused" : "muted"}>Payé&#8239;: à retirer depuis le {formatDateFr(r().dueOn!)}, toujours enregistré posé</span>
      </Show>
      <Show when={r().placed}>
        {(p) => (
          <>
            <span class="muted">
              Posé le {formatInstantShort(p().happenedAt)} ({p().initials})
            </span>
            <Show when={p().photos?.length}>
              <PhotoStrip photos={p().photos!} />
            </Show>
          </>
        )}
      </Show>
      <div class="unit-actions">
        <Show when={r().category === "to_place"}>
          <button type="button" class="button secondary" onClick={() => props.onFix({ unit: r().unit, on: true })}>
            Posé (photos)
          </button>
        </Show>
        <Show when={r().category === "to_remove"}>
          <button type="button" class="button secondary" onClick={() => props.onFix({ unit: r().unit, on: false })}>
            Retiré
          </button>
        </Show>
      </div>
    </li>
  );
}
