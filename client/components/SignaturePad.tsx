import { Show, createSignal, onMount } from "solid-js";
import { discardPhotoDraft, keepPhotoDraft } from "../store/queries";
import { FormError } from "./FormError";
import { PhotoThumb } from "./Photos";

/** The drawing's own size, whatever the screen: a small PNG (a few KB of strokes on white), enough to read a signature. */
const WIDTH = 600;
const HEIGHT = 240;

/**
 * A signature drawn with a finger (or a stylus, or a mouse) and kept like a photo: a PNG stored on the phone the
 * moment it is confirmed (`draftKey`), sent with the action that names it, hashed into the evidence chain. Once
 * confirmed it shows as kept, with a way to sign again; what is kept survives the app being closed.
 */
export function SignaturePad(props: { draftKey: string; label: string; sha256: string | null; onChange: (sha256: string | null) => void }) {
  let canvas: HTMLCanvasElement | undefined;
  const [drawn, setDrawn] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);

  const context = () => {
    const ctx = canvas!.getContext("2d")!;
    ctx.lineWidth = 4;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#0b1f3a";
    return ctx;
  };
  const blank = () => {
    if (!canvas) return;
    const ctx = canvas.getContext("2d")!;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, WIDTH, HEIGHT);
    setDrawn(false);
  };
  onMount(blank);

  /** The pointer's place in the drawing's own pixels (the canvas is drawn at CSS size). */
  const at = (e: PointerEvent) => {
    const r = canvas!.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * WIDTH) / r.width, y: ((e.clientY - r.top) * HEIGHT) / r.height };
  };
  let last: { x: number; y: number } | null = null;
  const down = (e: PointerEvent) => {
    e.preventDefault();
    canvas!.setPointerCapture?.(e.pointerId);
    last = at(e);
    const ctx = context();
    ctx.beginPath();
    ctx.arc(last.x, last.y, 1.5, 0, 2 * Math.PI);
    ctx.fillStyle = "#0b1f3a";
    ctx.fill();
  };
  const move = (e: PointerEvent) => {
    if (!last) return;
    e.preventDefault();
    const p = at(e);
    const ctx = context();
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
    setDrawn(true);
  };
  const up = () => {
    last = null;
  };

  const keep = async () => {
    setError(null);
    setBusy(true);
    try {
      const blob = await new Promise<Blob | null>((resolve) => canvas!.toBlob(resolve, "image/png"));
      if (!blob) throw new Error("dessin illisible");
      const bytes = await blob.arrayBuffer();
      const { sha256Hex } = await import("../photos/prepare");
      const sha256 = await sha256Hex(bytes);
      await keepPhotoDraft({ sha256, bytes, mime: "image/png", width: WIDTH, height: HEIGHT }, props.draftKey, null);
      props.onChange(sha256);
    } catch (e) {
      setError(`Signature non gardée : ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(false);
    }
  };
  const again = async () => {
    const sha = props.sha256;
    props.onChange(null);
    if (sha) await discardPhotoDraft(sha);
    blank();
  };

  return (
    <div class="signature-pad" data-signed={props.sha256 ? "true" : "false"}>
      <Show
        when={props.sha256}
        fallback={
          <>
            <canvas
              ref={canvas}
              width={WIDTH}
              height={HEIGHT}
              role="img"
              aria-label={props.label}
              onPointerDown={down}
              onPointerMove={move}
              onPointerUp={up}
              onPointerCancel={up}
              onPointerLeave={up}
            />
            <div class="signature-actions">
              <button type="button" class="button secondary" disabled={!drawn()} onClick={blank}>
                Effacer
              </button>
              <button type="button" class="button primary" disabled={!drawn() || busy()} onClick={() => void keep()}>
                Valider la signature
              </button>
            </div>
          </>
        }
      >
        {(sha) => (
          <>
            <PhotoThumb sha256={sha()} />
            <p class="box-check">{props.label}&#8239;: signée ✓</p>
            <button type="button" class="button secondary block" onClick={() => void again()}>
              Signer à nouveau
            </button>
          </>
        )}
      </Show>
      <FormError message={error()} />
    </div>
  );
}
