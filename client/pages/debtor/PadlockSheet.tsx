import { Show, createSignal } from "solid-js";
import type { DocUnit } from "../../../shared/schemas/debtor-doc";
import { PhotoPicker, useDrafts } from "../../components/Photos";
import { Sheet } from "../../components/Sheet";
import { act } from "../../store";
import { FormError } from "../../components/FormError";
import { SaveButton, useSaving } from "../../components/Saving";

/**
 * Placing or removing the second padlock, with photos of the door (its number) and the padlock: required to
 * place it — they are the evidence — and welcome when removing it. The padlock's number is worth writing down
 * (it is cut at the box opening).
 */
export function PadlockSheet(props: { unit: DocUnit; on: boolean; onClose: () => void }) {
  const draftKey = () => `padlock-${props.on ? "on" : "off"}:${props.unit.id}`;
  const drafts = useDrafts(draftKey);
  const [tried, setTried] = createSignal(false);
  const noPhoto = () => props.on && tried() && (drafts() ?? []).length === 0;
  const save = useSaving();
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const number = String(new FormData(e.currentTarget as HTMLFormElement).get("number") ?? "").trim();
    void save.run(async () => {
      const photos = (drafts() ?? []).map((p) => p.sha256);
      if (props.on) {
        setTried(true);
        if (photos.length === 0) return;
        await act("padlock.placed", { unitId: props.unit.id, photos, ...(number ? { padlockNumber: number.slice(0, 30) } : {}) });
      } else {
        await act("padlock.removed", { unitId: props.unit.id, ...(photos.length > 0 ? { photos } : {}) });
      }
      props.onClose();
    });
  };
  return (
    <Sheet title={`Double cadenas · box ${props.unit.number}`} open onClose={props.onClose}>
      <form class="sheet-form" onSubmit={submit}>
        <PhotoPicker
          draftKey={draftKey()}
          label={props.on ? "Photo de la porte" : "Photo (facultatif)"}
          photos={drafts() ?? []}
          hint={props.on ? "Le numéro du box et le cadenas posé doivent se voir. Plusieurs photos possibles." : undefined}
        />
        <Show when={props.on}>
          <label class="field">
            <span>N° du cadenas (facultatif)</span>
            <input name="number" inputmode="numeric" autocomplete="off" maxLength={30} />
          </label>
        </Show>
        <FormError message={noPhoto() && "Prenez au moins une photo : la porte avec son numéro et le cadenas posé."} />
        <FormError message={save.error()} />
        <SaveButton saving={save.saving()} disabled={drafts() === undefined}>
          {props.on ? "Double cadenas posé" : "Double cadenas retiré"}
        </SaveButton>
      </form>
    </Sheet>
  );
}
