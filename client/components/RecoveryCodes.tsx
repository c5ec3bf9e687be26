import { For, Show, createSignal, onCleanup } from "solid-js";

/**
 * Recovery codes, shown once (the server keeps only their hashes): each signs in once when the phone with the
 * authenticator app is lost. Copy, print or download them before leaving the screen.
 */
export function RecoveryCodes(props: { codes: readonly string[]; email: string }) {
  const [copied, setCopied] = createSignal<"yes" | "no" | null>(null);
  let list: HTMLOListElement | undefined;
  const text = () => `Cadenas — codes de secours de ${props.email}\nChaque code ne sert qu'une fois.\n\n${props.codes.join("\n")}\n`;

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text());
      setCopied("yes");
    } catch {
      // No clipboard (plain http, or refused): select the codes so that the person copies them by hand.
      const range = document.createRange();
      if (list) range.selectNodeContents(list);
      window.getSelection()?.removeAllRanges();
      window.getSelection()?.addRange(range);
      setCopied("no");
    }
  };

  // Printing shows only the codes: the rest of the page is hidden by the print style while this class is on.
  const print = () => {
    document.body.classList.add("print-recovery-codes");
    window.print();
  };
  const afterPrint = () => document.body.classList.remove("print-recovery-codes");
  window.addEventListener("afterprint", afterPrint);
  onCleanup(() => {
    window.removeEventListener("afterprint", afterPrint);
    afterPrint();
  });

  const download = () => {
    const url = URL.createObjectURL(new Blob([text()], { type: "text/plain;charset=utf-8" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = "cadenas-codes-de-secours.txt";
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  return (
    <div class="recovery-codes" data-recovery-codes={props.codes.length}>
      <p>
        <strong>Vos codes de secours.</strong> Gardez-les en lieu sûr, ailleurs que sur le téléphone de l'application&#8239;: si vous le perdez, chacun
        permet une connexion, une seule fois. Ils ne seront plus affichés.
      </p>
      <ol class="recovery-list" ref={list}>
        <For each={props.codes}>{(code) => <li>{code}</li>}</For>
      </ol>
      <div class="recovery-actions">
        <button type="button" class="button secondary small" onClick={() => void copy()}>
          Copier
        </button>
        <button type="button" class="button secondary small" onClick={print}>
          Imprimer
        </button>
        <button type="button" class="button secondary small" onClick={download}>
          Télécharger
        </button>
      </div>
      <Show when={copied()}>
        <p class="muted" role="status">
          {copied() === "yes" ? "Codes copiés." : "Copie impossible ici : les codes sont sélectionnés, copiez-les vous-même."}
        </p>
      </Show>
    </div>
  );
}
