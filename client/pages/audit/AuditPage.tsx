import { useInfiniteQuery } from "@tanstack/solid-query";
import { For, Show, createSignal } from "solid-js";
import type { AuditEntryItem, AuditResponse } from "../../../shared/schemas/audit";
import { apiGet } from "../../api";
import { AppBar } from "../../components/AppBar";
import { QueryState } from "../../components/QueryState";
import { formatInstantShort } from "../../format";
import { auditEventLabel, auditFieldLabel } from "../../labels";
import { withQueries } from "../../query";

/**
 * The audit log, for the office: who changed what — users, sites, scenarios, templates, settings — and who signed
 * in, when and from which address, newest first, with what each change replaced.
 */
export const AuditPage = withQueries(Audit);

function Audit() {
  const [event, setEvent] = createSignal("");
  const [from, setFrom] = createSignal("");
  const [to, setTo] = createSignal("");
  const filters = () => ({ event: event(), from: from(), to: to() });
  const log = useInfiniteQuery(() => ({
    queryKey: ["audit", filters()],
    initialPageParam: 0,
    queryFn: ({ pageParam }) => {
      const q = new URLSearchParams(Object.entries(filters()).filter(([, v]) => v !== ""));
      if (pageParam) q.set("before", String(pageParam));
      return apiGet<AuditResponse>(`/audit?${q}`);
    },
    getNextPageParam: (last: AuditResponse) => last.next ?? undefined,
  }));
  const entries = () => log.data?.pages.flatMap((p) => p.entries) ?? [];
  const events = () => log.data?.pages[0]?.events ?? [];
  const families = () => [...new Set(events().map((e) => e.split(".")[0]!))];

  return (
    <>
      <AppBar title="Journal des modifications" back="/" />
      <main class="page wide audit-page">
        <form class="audit-filters" onSubmit={(e) => e.preventDefault()}>
          <label class="field">
            Quoi
            <select class="big-select" value={event()} onChange={(e) => setEvent(e.currentTarget.value)} data-testid="audit-event">
              <option value="">Tout</option>
              <For each={families()}>
                {(family) => (
                  <optgroup label={auditEventLabel(family)}>
                    <option value={family}>{auditEventLabel(family)}&#8239;: tout</option>
                    <For each={events().filter((e) => e.startsWith(`${family}.`))}>{(e) => <option value={e}>{auditEventLabel(e)}</option>}</For>
                  </optgroup>
                )}
              </For>
            </select>
          </label>
          <label class="field">
            Du
            <input type="date" value={from()} onChange={(e) => setFrom(e.currentTarget.value)} />
          </label>
          <label class="field">
            Au
            <input type="date" value={to()} onChange={(e) => setTo(e.currentTarget.value)} />
          </label>
        </form>
        <QueryState query={log} failed="Le journal n'a pas pu être chargé.">
          <Show when={entries().length > 0} fallback={<div class="empty"><p>Rien dans le journal pour ces critères.</p></div>}>
            <ol class="plain-list audit-list" data-count={entries().length}>
              <For each={entries()}>{(entry) => <AuditLine entry={entry} />}</For>
            </ol>
            <Show when={log.hasNextPage}>
              <button type="button" class="secondary" disabled={log.isFetchingNextPage} onClick={() => void log.fetchNextPage()}>
                {log.isFetchingNextPage ? "Chargement…" : "Voir plus"}
              </button>
            </Show>
          </Show>
        </QueryState>
      </main>
    </>
  );
}

function AuditLine(props: { entry: AuditEntryItem }) {
  const e = () => props.entry;
  // An edit holds `{ before, after }` (one of them null for a creation); anything else is shown as it is.
  const diff = () => {
    const d = e().details;
    if (!d || !("before" in d) || !("after" in d)) return null;
    const before = (d.before ?? {}) as Record<string, unknown>;
    const after = (d.after ?? {}) as Record<string, unknown>;
    if (typeof before !== "object" || typeof after !== "object") return null;
    return [...new Set([...Object.keys(before), ...Object.keys(after)])].map((field) => ({
      field: auditFieldLabel(field),
      before: field in before ? shown(before[field]) : "—",
      after: field in after ? shown(after[field]) : "—",
    }));
  };
  const other = () => {
    const rest = Object.entries(e().details ?? {}).filter(([k]) => !(diff() && (k === "before" || k === "after")));
    return rest.length > 0 ? rest.map(([k, v]) => `${auditFieldLabel(k)} : ${shown(v)}`).join(" · ") : null;
  };
  return (
    <li class="card audit-line" data-event={e().event}>
      <div class="audit-head">
        <strong>{auditEventLabel(e().event)}</strong>
        <span class="muted">
          {formatInstantShort(e().at)} · {e().user ? `${e().user!.name} (${e().user!.initials})` : "Système"}
          <Show when={e().address}> · {e().address}</Show>
        </span>
        <Show when={e().entity}>
          <span class="muted">
            {e().entity}
            <Show when={e().entityId}> {e().entityId}</Show>
          </span>
        </Show>
      </div>
      <Show when={diff()}>
        {(rows) => (
          <dl class="audit-diff">
            <For each={rows()}>
              {(r) => (
                <>
                  <dt>{r.field}</dt>
                  <dd>
                    <del>{r.before}</del> → <ins>{r.after}</ins>
                  </dd>
                </>
              )}
            </For>
          </dl>
        )}
      </Show>
      <Show when={other()}>{(text) => <p class="muted audit-other">{text()}</p>}</Show>
    </li>
  );
}

function shown(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "string") return value;
  const text = JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
