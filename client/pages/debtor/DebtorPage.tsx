import { useParams } from "@solidjs/router";
import { useQuery } from "@tanstack/solid-query";
import { For, Match, Show, Switch } from "solid-js";
import type { DebtorDetail } from "../../../shared/schemas/debtors";
import { ApiError, apiGet } from "../../api";
import { AppBar } from "../../components/AppBar";
import { DaysLateBadge, LevelBadge, PadlockIcon, StageLabel } from "../../components/Badges";
import { formatDateFr, formatEuros, formatInstantShort, telHref } from "../../format";
import { ACTION_LABEL, GATE_LABEL, OUTCOME_LABEL, PADLOCK_LABEL, PAYMENT_METHOD_LABEL, SEGMENT_LABEL, TASK_LABEL } from "../../labels";
import { Spinner } from "../../components/Spinner";

export function DebtorPage() {
  const params = useParams<{ customerId: string }>();
  const debtor = useQuery(() => ({
    queryKey: ["debtor", params.customerId],
    queryFn: () => apiGet<DebtorDetail>(`/debtors/${encodeURIComponent(params.customerId)}`),
  }));

  return (
    <>
      <AppBar title={debtor.data?.customer.name ?? "Débiteur"} subtitle={debtor.data?.customer.ref} back="/" />
      <main class="page">
        <Switch>
          <Match when={debtor.isPending}>
            <Spinner />
          </Match>
          <Match when={debtor.isError && !debtor.data}>
            <div class="empty">
              <p>
                {debtor.error instanceof ApiError && debtor.error.status === 404
                  ? "Ce client n'existe pas ou n'est pas sur vos sites."
                  : "La fiche n'a pas pu être chargée."}
              </p>
            </div>
          </Match>
          <Match when={debtor.data}>{(d) => <DebtorView debtor={d()} />}</Match>
        </Switch>
      </main>
    </>
  );
}

function DebtorView(props: { debtor: DebtorDetail }) {
  const d = () => props.debtor;
  const c = () => d().customer;
  const openTasks = () => d().tasks.filter((t) => t.status === "open");
  return (
    <>
      <section class="card hero">
        <div class="hero-amount">
          <span class="label">Solde dû</span>
          <strong class={d().balanceCents > 0 ? "owed" : "settled"}>{formatEuros(d().balanceCents)}</strong>
        </div>
        <Show when={d().case}>
          {(k) => (
            <div class="hero-case">
              <Show when={k().status === "open"} fallback={<span class="badge ok">Dossier soldé</span>}>
                <DaysLateBadge days={k().daysLate} />
              </Show>
              <LevelBadge level={k().level} />
              <StageLabel stage={k().stage} />
              <span class="muted">depuis le {formatDateFr(k().anchorOn)}</span>
            </div>
          )}
        </Show>
        <Show when={c().stop}>
          <p class="stop-note">Client en STOP : aucune relance automatique.</p>
        </Show>
        <div class="hero-actions">
          <Show when={c().phone} fallback={<span class="button disabled">Pas de téléphone</span>}>
            {(phone) => (
              <a class="button primary big" href={telHref(phone())}>
                Appeler le {phone()}
              </a>
            )}
          </Show>
        </div>
      </section>

      <Show when={openTasks().length > 0}>
        <section class="card">
          <h2>À faire</h2>
          <ul class="plain-list">
            <For each={openTasks()}>
              {(t) => (
                <li class="task">
                  <span>
                    {TASK_LABEL[t.kind]}
                    <Show when={t.unitNumber}> · {t.unitNumber}</Show>
                  </span>
                  <span class="task-date">{formatDateFr(t.dueOn)}</span>
                </li>
              )}
            </For>
          </ul>
        </section>
      </Show>

      <section class="card">
        <h2>Box</h2>
        <ul class="plain-list">
          <For each={d().units}>
            {(u) => (
              <li class="unit">
                <div class="row-line">
                  <strong class="unit-number">
                    {u.number}
                    <Show when={u.padlock === "second_padlock"}>
                      <PadlockIcon />
                    </Show>
                  </strong>
                  <span class="muted">
                    {u.siteCode} · bât. {u.building ?? "—"} · allée {u.aisle ?? "—"}
                  </span>
                </div>
                <div class="row-line">
                  <span class={u.padlock === "second_padlock" ? "state on" : "state"}>{PADLOCK_LABEL[u.padlock]}</span>
                  <span class={u.gate === "suspended" ? "state on" : "state"}>{GATE_LABEL[u.gate]}</span>
                </div>
                <div class="row-line muted">
                  <span>
                    {formatEuros(u.monthlyRentCents)}/mois · contrat {u.contractRef}
                  </span>
                  <Show when={u.endDate}>{(end) => <span>sortie le {formatDateFr(end())}</span>}</Show>
                </div>
              </li>
            )}
          </For>
        </ul>
      </section>

      <section class="card">
        <h2>Coordonnées</h2>
        <dl class="facts">
          <dt>Téléphone</dt>
          <dd>{c().phone ?? "—"}</dd>
          <dt>E-mail</dt>
          <dd class="break">{c().email ?? "—"}</dd>
          <dt>Adresse</dt>
          <dd>{[c().address, [c().postalCode, c().city].filter(Boolean).join(" ")].filter(Boolean).join(", ") || "—"}</dd>
          <dt>Paiement</dt>
          <dd>{PAYMENT_METHOD_LABEL[c().paymentMethod]}</dd>
          <dt>Scénario</dt>
          <dd>{SEGMENT_LABEL[c().segment]}</dd>
          <dt>Type</dt>
          <dd>{c().kind === "company" ? "Société" : "Particulier"}</dd>
        </dl>
      </section>

      <section class="card">
        <h2>Factures</h2>
        <table class="invoices">
          <thead>
            <tr>
              <th scope="col">Échéance</th>
              <th scope="col">Facture</th>
              <th scope="col" class="num">Montant</th>
              <th scope="col" class="num">Reste</th>
            </tr>
          </thead>
          <tbody>
            <For each={d().invoices}>
              {(i) => (
                <tr classList={{ unpaid: i.amountCents - i.paidCents > 0 }}>
                  <td>{formatDateFr(i.dueDate)}</td>
                  <td>{i.ref}</td>
                  <td class="num">{formatEuros(i.amountCents)}</td>
                  <td class="num">{formatEuros(i.amountCents - i.paidCents)}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </section>

      <section class="card">
        <h2>Historique</h2>
        <Show when={d().history.length > 0} fallback={<p class="muted">Aucune action enregistrée.</p>}>
          <ol class="timeline">
            <For each={d().history}>
              {(h) => (
                <li>
                  <div class="timeline-head">
                    <span class="kind">
                      {ACTION_LABEL[h.kind]}
                      <Show when={h.outcome}>{(o) => <> · {OUTCOME_LABEL[o()]}</>}</Show>
                    </span>
                    <span class="muted">
                      {h.initials} · {formatInstantShort(h.happenedAt)}
                    </span>
                  </div>
                  <p>{h.text}</p>
                </li>
              )}
            </For>
          </ol>
        </Show>
      </section>
    </>
  );
}
