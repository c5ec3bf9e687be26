import { Show, createSignal } from "solid-js";
import { dateOfInstant, formatDateFr, todayIn } from "../../../shared/dates";
import { basisText, clearingRefusal, keptUntil, openedOnOf, type DisposalBasis } from "../../../shared/floor/opening";
import type { DocUnit } from "../../../shared/schemas/debtor-doc";
import { DEFAULT_SETTINGS } from "../../../shared/schemas/settings";
import { FormError } from "../../components/FormError";
import { SaveButton, useSaving } from "../../components/Saving";
import { Sheet } from "../../components/Sheet";
import { settings } from "../../session";
import { syncNow } from "../../store";
import { useFloorMessaging } from "../../store/queries";

type Opening = NonNullable<DocUnit["opening"]>;

/**
 * Whether an opened box's contents may be disposed of today, by the server's own rule (`clearingRefusal`): the
 * keeping period over (from the later of the phone's and the server's day of the opening) and the legal basis
 * entered by the office. The settings are the last sync's; the server checks again.
 */
export function useClearingGate(opening: () => Opening) {
  const messaging = useFloorMessaging();
  const keeping = () => {
    const o = opening();
    const zone = settings().timeZone;
    return {
      openedOn: openedOnOf(dateOfInstant(o.openedAt, zone), o.receivedAt ? dateOfInstant(o.receivedAt, zone) : null),
      recordedDays: o.keepGoodsDays ?? null,
      currentDays: messaging()?.procedure?.keepGoodsDays ?? DEFAULT_SETTINGS.keepGoodsDays,
    };
  };
  return {
    keptUntil: () => keptUntil(keeping()),
    refusal: () => clearingRefusal({ ...keeping(), basis: opening().basis ?? null }, todayIn(settings().timeZone)),
  };
}

/** The keeping period and the legal basis under an opened box; the office (or the Manager) enters the basis here. */
export function KeepingAndBasis(props: { opening: Opening; unit: DocUnit; caseId: string | null; canEnter: boolean }) {
  const gate = useClearingGate(() => props.opening);
  const [entering, setEntering] = createSignal(false);
  return (
    <div class="keeping" data-basis={props.opening.basis ? "recorded" : "missing"}>
      <p>Contenu inventorié conservé jusqu'au {formatDateFr(gate.keptUntil())} inclus.</p>
      <Show when={props.opening.basis} fallback={<p class="muted">Base légale de l'enlèvement&#8239;: pas encore saisie par le bureau.</p>}>
        {(b) => <p>Base légale de l'enlèvement&#8239;: {basisText(b())}.</p>}
      </Show>
      <Show when={props.canEnter && props.caseId && !props.opening.clearedAt}>
        <button type="button" class="button secondary block" onClick={() => setEntering(true)}>
          {props.opening.basis ? "Modifier la base légale" : "Saisir la base légale de l'enlèvement"}
        </button>
        <BasisSheet open={entering()} unit={props.unit} caseId={props.caseId!} onClose={() => setEntering(false)} />
      </Show>
    </div>
  );
}

/**
 * The office's form: a court order (reference, court) or the contract's clause with the commissaire de justice's
 * report. Sent at once (an office decision, not a floor fact): it needs the network and says so without it.
 */
function BasisSheet(props: { open: boolean; unit: DocUnit; caseId: string; onClose: () => void }) {
  const [kind, setKind] = createSignal<DisposalBasis["kind"]>("court_order");
  const save = useSaving();
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const value = (name: string) => String(f.get(name) ?? "").trim();
    const basis: DisposalBasis =
      kind() === "court_order" ? { kind: "court_order", reference: value("reference"), court: value("court") } : { kind: "contract_clause", clause: value("clause"), bailiffReport: value("bailiffReport") };
    void save.run(async () => {
      const { apiPost } = await import("../../api");
      await apiPost(`/cases/${props.caseId}/disposal-basis`, { unitId: props.unit.id, basis });
      // The server marked the debtor changed: the next sync brings the basis to every phone, this one first.
      syncNow();
      props.onClose();
    });
  };
  return (
    <Sheet title={`Base légale · box ${props.unit.number}`} open={props.open} onClose={props.onClose}>
      <form class="sheet-form" onSubmit={submit}>
        <div class="segmented basis-kind" role="group" aria-label="Base légale">
          <button type="button" aria-pressed={kind() === "court_order"} onClick={() => setKind("court_order")}>
            Décision de justice
          </button>
          <button type="button" aria-pressed={kind() === "contract_clause"} onClick={() => setKind("contract_clause")}>
            Clause + PV
          </button>
        </div>
        <Show
          when={kind() === "court_order"}
          fallback={
            <>
              <label class="field">
                <span>Clause du contrat (article et objet)</span>
                <input name="clause" required minLength={2} maxLength={300} placeholder="ex. : art. 12 — biens laissés après la résiliation" />
              </label>
              <label class="field">
                <span>Procès-verbal du commissaire de justice (référence)</span>
                <input name="bailiffReport" required minLength={2} maxLength={160} />
              </label>
            </>
          }
        >
          <label class="field">
            <span>Référence de la décision (ordonnance, jugement)</span>
            <input name="reference" required minLength={2} maxLength={120} placeholder="ex. : RG 26/01234" />
          </label>
          <label class="field">
            <span>Juridiction</span>
            <input name="court" required minLength={2} maxLength={160} placeholder="ex. : tribunal judiciaire de Lyon" />
          </label>
        </Show>
        <FormError message={save.error()} />
        <SaveButton saving={save.saving()}>Enregistrer la base légale</SaveButton>
      </form>
    </Sheet>
  );
}
