import { Show } from "solid-js";
import type { Level } from "../../shared/enums";
import { daysLateLabel } from "../format";
import { STAGE_LABEL } from "../labels";

/** "J+23": how late, coloured by how far into the procedure it is. */
export function DaysLateBadge(props: { days: number }) {
  const tone = () => (props.days >= 60 ? "critical" : props.days >= 45 ? "danger" : props.days >= 14 ? "warning" : "info");
  return <span class={`badge ${tone()}`}>{daysLateLabel(props.days)}</span>;
}

export function LevelBadge(props: { level: Level }) {
  return (
    <Show when={props.level !== "none"}>
      <span class="badge level">{props.level}</span>
    </Show>
  );
}

export function StageLabel(props: { stage: string | null }) {
  return <Show when={props.stage}>{(stage) => <span class="stage">{STAGE_LABEL[stage()] ?? stage()}</span>}</Show>;
}

export function PadlockIcon(props: { title?: string }) {
  return (
    <svg class="padlock-icon" viewBox="0 0 24 24" width="16" height="16" role="img" aria-label={props.title ?? "Double cadenas"}>
      <path d="M8 11V8a4 4 0 0 1 8 0v3" fill="none" stroke="currentColor" stroke-width="2.2" />
      <rect x="5" y="10.5" width="14" height="10" rx="2.5" fill="currentColor" />
    </svg>
  );
}
