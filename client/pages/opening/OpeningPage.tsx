import { A, useNavigate, useParams } from "@solidjs/router";
import { For, Match, Show, Switch, createSignal, onCleanup, onMount } from "solid-js";
import { dateOfInstant, todayIn } from "../../../shared/dates";
import { openingConditions } from "../../../shared/floor/opening";
import { DEFAULT_SETTINGS } from "../../../shared/schemas/settings";
import { SignaturePad } from "../../components/SignaturePad";
import type { PhotoRole } from "../../../shared/enums";
import type { DebtorDoc, DocUnit } from "../../../shared/schemas/debtor-doc";
import { AppBar } from "../../components/AppBar";
import { PhotoPicker, useDrafts } from "../../components/Photos";
import { Sheet } from "../../components/Sheet";
import { LiveWait } from "../../components/LiveWait";
import { settings, user } from "../../session";
import { act } from "../../store";
import { useDebtorRow, useFloorMessaging } from "../../store/queries";
import { shown } from "../../store/views";
import { FormError } from "../../components/FormError";
import { counted } from "../../format";
import { SaveButton, useSaving } from "../../components/Saving";

/**
 * Opening a box at the end of the procedure, the Manager's guided flow: the conditions first (`openingConditions`,
 * the server's own rule: the formal notice received and its 8 days over, the contract ended, the termination
 * notice received and the period it gave to collect the goods over), then the box number typed from the door (or
 * its QR code), the witness — a commissaire de justice, or a plain witness where the operator allows one — and
 * their signature drawn on the phone, the photos of the door, the lock being cut and the contents, the inventory
 * signed, and the new padlock. What is typed, drawn and photographed is kept on the phone as it goes: a call or a
 * closed app loses nothing.
 */
export function OpeningPage() {
  const params = useParams<{ customerId: string; unitId: string }>();
  const row = useDebtorRow(() => params.customerId);
  const doc = () => (row() ? shown(row()!) : null);
  const unit = () => doc()?.units.find((u) => u.id === params.unitId) ?? null;
  return (
    <>
      <AppBar title={unit() ? `Ouverture du box ${unit()!.number}` : "Ouverture d'un box"} subtitle={doc()?.name} back={`/debiteurs/${params.customerId}`} />
      <main class="page with-status-bar">
        <Switch>
          <Match when={row() === undefined}>
            <LiveWait live={row} />
          </Match>
          <Match when={!doc() || !unit()}>
            <div class="empty">
              <p>Ce box n'est pas sur ce téléphone (client d'un autre site, ou pas encore synchronisé).</p>
            </div>
          </Match>
          <Match when={user()?.role !== "manager"}>
            <div class="empty">
              <p>L'ouverture d'un box est faite par le Manager.</p>
            </div>
          </Match>
          <Match when={unit()!.opening}>
            <div class="empty">
              <p>Ce box a déjà été ouvert.</p>
              <A class="button secondary" href={`/debiteurs/${params.customerId}`}>
                Voir le dossier
              </A>
            </div>
          </Match>
          <Match when={doc() && unit()}>
            <OpeningFlow doc={doc()!} unit={unit()!} />
          </Match>
        </Switch>
      </main>
    </>
  );
}

interface Typed {
  number: string;
  witnessKind: "bailiff" | "plain";
  witness: string;
  office: string;
  reportRef: string;
  role: string;
  inventory: string;
  padlock: string;
  witnessSignature: string | null;
  inventorySignature: string | null;
}

const EMPTY: Typed = { number: "", witnessKind: "bailiff", witness: "", office: "", reportRef: "", role: "", inventory: "", padlock: "", witnessSignature: null, inventorySignature: null };

function OpeningFlow(props: { doc: DebtorDoc; unit: DocUnit }) {
  const navigate = useNavigate();
  const draftKey = `opening:${props.unit.id}`;
  const storageKey = `cadenas:${draftKey}`;
  const saved = (): Typed => {
    try {
      return { ...EMPTY, ...JSON.parse(localStorage.getItem(storageKey) ?? "{}") };
    } catch {
      return { ...EMPTY };
    }
  };
  const [typed, setTyped] = createSignal<Typed>(saved());
  const set = <K extends keyof Typed>(key: K, value: Typed[K]) => {
    setTyped({ ...typed(), [key]: value });
    localStorage.setItem(storageKey, JSON.stringify(typed()));
  };
  const photos = useDrafts(() => draftKey);
  const byRole = (role: PhotoRole) => (photos() ?? []).filter((p) => p.role === role);
  const [tried, setTried] = createSignal(false);
  const [scanning, setScanning] = createSignal(false);

  const messaging = useFloorMessaging();
  // The operator's settings as the last sync brought them; before any, the cautious defaults (the server checks again).
  const procedure = () => messaging()?.procedure ?? { collectionPeriodDays: DEFAULT_SETTINGS.collectionPeriodDays, keepGoodsDays: DEFAULT_SETTINGS.keepGoodsDays, allowPlainWitness: false };
  const conditions = () => {
    const k = props.doc.case;
    const facts = {
      exitDone: k?.exitDone === true,
      contractEndedOn: props.unit.contractEnded,
      r3ReceivedOn: k?.r3ReceivedOn ?? null,
      noticeSent: k?.noticeSent === true,
      noticeReceivedOn: k?.noticeReceivedOn ?? null,
      disputeSince: props.doc.dispute ? dateOfInstant(props.doc.dispute.since, settings().timeZone) : null,
    };
    return openingConditions(facts, procedure().collectionPeriodDays, todayIn(settings().timeZone));
  };
  const allowed = () => conditions().every((c) => c.ok);
  const plain = () => procedure().allowPlainWitness && typed().witnessKind === "plain";
  const numberOk = () => typed().number.trim().toUpperCase() === props.unit.number.toUpperCase();
  const missing = () => {
    const m: string[] = [];
    const t = typed();
    if (!numberOk()) m.push("le numéro du box tapé depuis la porte");
    if (plain()) {
      if (!t.witness.trim()) m.push("le nom du témoin");
      if (!t.role.trim()) m.push("la qualité du témoin");
    } else {
      if (!t.witness.trim()) m.push("le nom du commissaire de justice");
      if (!t.office.trim()) m.push("son étude");
      if (!t.reportRef.trim()) m.push("la référence du procès-verbal");
    }
    if (!t.witnessSignature) m.push("la signature du témoin");
    if (byRole("door").length === 0) m.push("une photo de la porte avec son numéro");
    if (byRole("lock_cut").length === 0) m.push("une photo du cadenas coupé");
    if (byRole("contents").length === 0) m.push("une photo du contenu");
    const count = (photos() ?? []).length;
    if (count < 4) m.push(`${4 - count} photo${4 - count > 1 ? "s" : ""} de plus (4 au moins)`);
    if (!t.inventory.trim()) m.push("l'inventaire");
    if (!t.inventorySignature) m.push("la signature sous l'inventaire");
    if (!t.padlock.trim()) m.push("le n° du nouveau cadenas");
    return m;
  };

  const save = useSaving();
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    void save.run(async () => {
      setTried(true);
      if (missing().length > 0) return;
      const t = typed();
      await act("box.opened", {
        unitId: props.unit.id,
        confirmedNumber: t.number.trim().slice(0, 20),
        witness: plain()
          ? { kind: "plain", name: t.witness.trim().slice(0, 120), role: t.role.trim().slice(0, 120) }
          : { kind: "bailiff", name: t.witness.trim().slice(0, 120), office: t.office.trim().slice(0, 160), reportRef: t.reportRef.trim().slice(0, 80) },
        signatures: { witness: t.witnessSignature!, inventory: t.inventorySignature! },
        photos: (photos() ?? []).map((p) => ({ sha256: p.sha256, role: p.role ?? "contents" })),
        inventory: t.inventory.trim().slice(0, 4000),
        newPadlockNumber: t.padlock.trim().slice(0, 30),
      });
      localStorage.removeItem(storageKey);
      navigate(`/debiteurs/${props.doc.customerId}`);
    });
  };

  return (
    <form class="opening-flow" onSubmit={submit}>
      <section class="card">
        <h2>1. Conditions</h2>
        <ul class="checklist" data-allowed={allowed() ? "true" : "false"}>
          <For each={conditions()}>
            {(c) => (
              <li classList={{ ok: c.ok, ko: !c.ok }} data-condition={c.code} data-ok={c.ok ? "true" : "false"}>
                {c.text}
              </li>
            )}
          </For>
        </ul>
        <FormError message={!allowed() && "Ouverture impossible tant que ces conditions ne sont pas remplies. Le contenu reste la propriété du locataire."} />
      </section>

      <Show when={allowed()}>
        <section class="card">
          <h2>2. Le bon box</h2>
          <label class="field">
            <span>N° lu sur la porte</span>
            <input
              name="confirmed"
              autocomplete="off"
              autocapitalize="characters"
              maxLength={20}
              value={typed().number}
              onInput={(e) => set("number", e.currentTarget.value)}
              aria-invalid={typed().number !== "" && !numberOk()}
            />
          </label>
          <Show when={"BarcodeDetector" in window}>
            <button type="button" class="button secondary block" onClick={() => setScanning(true)}>
              Scanner le QR code de la porte
            </button>
          </Show>
          <Show when={typed().number !== ""}>
            <p class={numberOk() ? "box-check" : "form-error"} role="status">
              {numberOk() ? `Box ${props.unit.number} confirmé ✓` : `« ${typed().number} » n'est pas le box ${props.unit.number} : vérifiez la porte.`}
            </p>
          </Show>
        </section>

        <section class="card">
          <h2>3. Témoin</h2>
          <Show when={procedure().allowPlainWitness}>
            <div class="segmented witness-kind" role="group" aria-label="Qui assiste à l'ouverture">
              <button type="button" aria-pressed={!plain()} onClick={() => set("witnessKind", "bailiff")}>
                Commissaire de justice
              </button>
              <button type="button" aria-pressed={plain()} onClick={() => set("witnessKind", "plain")}>
                Témoin
              </button>
            </div>
          </Show>
          <Show
            when={plain()}
            fallback={
              <>
                <label class="field">
                  <span>Nom du commissaire de justice</span>
                  <input name="witness" autocomplete="off" maxLength={120} value={typed().witness} onInput={(e) => set("witness", e.currentTarget.value)} />
                </label>
                <label class="field">
                  <span>Étude (office)</span>
                  <input name="office" autocomplete="off" maxLength={160} value={typed().office} onInput={(e) => set("office", e.currentTarget.value)} />
                </label>
                <label class="field">
                  <span>Référence du procès-verbal de constat</span>
                  <input name="reportRef" autocomplete="off" maxLength={80} value={typed().reportRef} onInput={(e) => set("reportRef", e.currentTarget.value)} />
                </label>
              </>
            }
          >
            <p class="hint">Témoin accepté par l'exploitant (réglage « simple témoin »)&#8239;; le dossier de preuves le dira.</p>
            <label class="field">
              <span>Nom du témoin</span>
              <input name="witness" autocomplete="off" maxLength={120} value={typed().witness} onInput={(e) => set("witness", e.currentTarget.value)} />
            </label>
            <label class="field">
              <span>Qualité du témoin</span>
              <input name="role" autocomplete="off" maxLength={120} placeholder="ex. : gardien d'un site voisin" value={typed().role} onInput={(e) => set("role", e.currentTarget.value)} />
            </label>
          </Show>
          <h3>Signature du témoin</h3>
          <SignaturePad draftKey={`signature:${props.unit.id}:witness`} label="Signature du témoin" sha256={typed().witnessSignature} onChange={(sha) => set("witnessSignature", sha)} />
        </section>

        <section class="card">
          <h2>4. Photos</h2>
          <h3>La porte avec son numéro</h3>
          <PhotoPicker draftKey={draftKey} role="door" label="Porte" photos={byRole("door")} />
          <h3>Le cadenas coupé</h3>
          <PhotoPicker draftKey={draftKey} role="lock_cut" label="Cadenas coupé" photos={byRole("lock_cut")} />
          <h3>Le contenu</h3>
          <PhotoPicker draftKey={draftKey} role="contents" label="Contenu" photos={byRole("contents")} hint="Photographiez tout le contenu, plusieurs photos si besoin." />
          <p class="hint">{counted((photos() ?? []).length, "photo")} · 4 au moins</p>
        </section>

        <section class="card">
          <h2>5. Inventaire et nouveau cadenas</h2>
          <label class="field">
            <span>Inventaire du contenu</span>
            <textarea name="inventory" rows="5" maxLength={4000} value={typed().inventory} onInput={(e) => set("inventory", e.currentTarget.value)} />
          </label>
          <h3>Signature sous l'inventaire (le témoin)</h3>
          <SignaturePad draftKey={`signature:${props.unit.id}:inventory`} label="Signature sous l'inventaire" sha256={typed().inventorySignature} onChange={(sha) => set("inventorySignature", sha)} />
          <label class="field">
            <span>N° du nouveau cadenas</span>
            <input name="padlock" inputmode="numeric" autocomplete="off" maxLength={30} value={typed().padlock} onInput={(e) => set("padlock", e.currentTarget.value)} />
          </label>
        </section>

        <section class="card">
          <FormError message={tried() && missing().length > 0 && `Il manque : ${missing().join(", ")}.`} />
          <FormError message={save.error()} />
          <SaveButton saving={save.saving()}>Enregistrer l'ouverture</SaveButton>
          <p class="hint">
            Les photos et les signatures partent vers le serveur dès que le réseau le permet. Le contenu est ensuite conservé {procedure().keepGoodsDays} jours&#8239;; son
            enlèvement attend la fin de ce délai et la base légale saisie par le bureau.
          </p>
        </section>
      </Show>
      <Sheet title="Scanner le QR code" open={scanning()} onClose={() => setScanning(false)}>
        <QrScanner
          onFound={(text) => {
            set("number", boxNumberIn(text, props.unit.number));
            setScanning(false);
          }}
        />
      </Sheet>
    </form>
  );
}

/** The box number a door's QR code carries: the unit's own number when the code contains it, else the code as read. */
function boxNumberIn(text: string, expected: string): string {
  return text.toUpperCase().includes(expected.toUpperCase()) ? expected : text.trim().slice(0, 20);
}

interface Detector {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]>;
}

/** The back camera's picture, read for a QR code with the browser's own BarcodeDetector. */
function QrScanner(props: { onFound: (text: string) => void }) {
  let video: HTMLVideoElement | undefined;
  const [problem, setProblem] = createSignal<string | null>(null);
  let stream: MediaStream | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  onMount(async () => {
    try {
      const Ctor = (window as unknown as { BarcodeDetector: new (o: { formats: string[] }) => Detector }).BarcodeDetector;
      const detector = new Ctor({ formats: ["qr_code"] });
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      video!.srcObject = stream;
      await video!.play();
      timer = setInterval(async () => {
        const [code] = await detector.detect(video!).catch(() => []);
        if (code?.rawValue) props.onFound(code.rawValue);
      }, 300);
    } catch (e) {
      setProblem(`Caméra indisponible (${e instanceof Error ? e.message : String(e)}) : tapez le numéro.`);
    }
  });
  onCleanup(() => {
    clearInterval(timer);
    stream?.getTracks().forEach((t) => t.stop());
  });
  return (
    <div class="qr-scanner">
      <video ref={video} muted playsinline />
      <Show when={problem()}>
        <p class="form-error">{problem()}</p>
      </Show>
    </div>
  );
}
