import { useSearchParams } from "@solidjs/router";
import { useQuery } from "@tanstack/solid-query";
import { For, Match, Show, Switch, createSignal } from "solid-js";
import { createStore, produce } from "solid-js/store";
import { IMPORT_KIND_LABEL, guessImportKind, inImportOrder } from "../../../shared/imports/kinds";
import { IMPORT_KINDS, type ImportJobStatus, type ImportRun, type ImportRunsResponse } from "../../../shared/schemas/imports";
import { ApiError, apiGet } from "../../api";
import { AppBar } from "../../components/AppBar";
import { QueryState } from "../../components/QueryState";
import { formatInstantShort } from "../../format";
import { queryClient, withQueries } from "../../query";
import { safeReturnPath } from "../../return-path";
import { followImport, percentOf, uploadImport } from "./follow";

type Kind = (typeof IMPORT_KINDS)[number];

/** A chosen file on its way: guessed (or corrected) kind, then sending, the server's phases, and its report. */
interface Chosen {
  key: number;
  file: File;
  kind: Kind | null;
  sending?: { sent: number; total: number };
  state?: ImportJobStatus;
  error?: string;
}

const PHASE_LABEL = { waiting: "En attente des fichiers précédents", read: "Lecture des lignes", check: "Vérification des références", write: "Enregistrement" } as const;
const SOURCE_LABEL = { office: "—", command_line: "Ligne de commande", folder: "Dossier d'import" } as const;

/**
 * The office imports the billing software's four files: several at once, applied customers → contracts →
 * invoices → payments whatever order they were chosen in; each shows how far it got, then its report (a refused
 * file: every bad line, and the report for Excel). Below, the history of every import, the drop folder's included.
 */
export const ImportsPage = withQueries(Imports);

function Imports() {
  // The first-run page sends here for the first import, and expects to be brought back.
  const [params] = useSearchParams<{ retour?: string }>();
  const [files, setFiles] = createStore<Chosen[]>([]);
  const [importing, setImporting] = createSignal(false);
  const [dragging, setDragging] = createSignal(false);
  let nextKey = 0;
  const history = useQuery(() => ({ queryKey: ["imports", "history"], queryFn: () => apiGet<ImportRunsResponse>("/imports") }));

  const choose = async (list: FileList | null) => {
    if (!list) return;
    // A new choice after a finished batch starts afresh.
    if (files.length > 0 && files.every((f) => f.state)) setFiles([]);
    for (const file of Array.from(list)) {
      const header = (await file.slice(0, 4096).text()).split(/\r?\n/)[0] ?? "";
      setFiles(files.length, { key: nextKey++, file, kind: guessImportKind(file.name, header) });
    }
  };

  const ordered = () => inImportOrder(files.filter((f): f is Chosen & { kind: Kind } => f.kind !== null));
  const ready = () => files.length > 0 && files.every((f) => f.kind !== null && !f.state);
  const update = (key: number, change: (f: Chosen) => void) => setFiles((f) => f.key === key, produce(change));

  const run = async () => {
    if (!ready() || importing()) return;
    setImporting(true);
    try {
      // One after the other, in the order they must be applied: a contract names a customer sent just before.
      for (const f of ordered()) {
        try {
          const id = await uploadImport(f.kind, f.file, (sent, total) => update(f.key, (c) => (c.sending = { sent, total })));
          await followImport(id, (state) => update(f.key, (c) => (c.state = state)));
        } catch (error) {
          update(f.key, (c) => {
            c.error = error instanceof ApiError ? error.message : "L'envoi a échoué.";
            c.state = { state: "failed", id: "", message: c.error };
          });
        }
      }
    } finally {
      setImporting(false);
      void queryClient.invalidateQueries({ queryKey: ["imports"] });
    }
  };

  return (
    <>
      <AppBar title="Imports" subtitle="Fichiers du logiciel de facturation" back={safeReturnPath(params.retour)} />
      <main class="page wide imports-page with-status-bar">
        <section class="card">
          <h2>Importer des fichiers</h2>
          <label
            class="drop-zone"
            classList={{ dragging: dragging() }}
            onDragOver={(e) => {
              e.preventDefault();
              setDragging(true);
            }}
            onDragLeave={() => setDragging(false)}
            onDrop={(e) => {
              e.preventDefault();
              setDragging(false);
              if (!importing()) void choose(e.dataTransfer?.files ?? null);
            }}
          >
            <input
              type="file"
              accept=".csv,.txt,text/csv"
              multiple
              class="visually-hidden"
              disabled={importing()}
              data-testid="import-files"
              onChange={(e) => {
                void choose(e.currentTarget.files);
                e.currentTarget.value = "";
              }}
            />
            <strong>Déposez ici les fichiers clients, contrats, factures et règlements</strong>
            <span class="muted">ou</span>
            <span class="button secondary">Choisir des fichiers</span>
            <span class="muted">Plusieurs à la fois&#8239;: ils sont appliqués dans l'ordre clients → contrats → factures → règlements.</span>
          </label>

          <Show when={files.length > 0}>
            <ul class="import-files plain-list">
              <For each={[...ordered(), ...files.filter((f) => f.kind === null)]}>
                {(f) => (
                  <li class="import-file" data-file={f.file.name} data-state={f.state?.state ?? (f.sending ? "sending" : "chosen")}>
                    <div class="import-file-head">
                      <strong class="import-file-name">{f.file.name}</strong>
                      <span class="muted">{formatSize(f.file.size)}</span>
                      <select
                        aria-label={`Type de ${f.file.name}`}
                        value={f.kind ?? ""}
                        disabled={importing() || Boolean(f.state)}
                        onChange={(e) => update(f.key, (c) => (c.kind = (e.currentTarget.value || null) as Kind | null))}
                      >
                        <option value="">Type&#8239;?</option>
                        <For each={IMPORT_KINDS}>{(k) => <option value={k}>{IMPORT_KIND_LABEL[k]}</option>}</For>
                      </select>
                      <Show when={!importing() && !f.state}>
                        <button type="button" class="button ghost small" aria-label={`Retirer ${f.file.name}`} onClick={() => setFiles((all) => all.filter((c) => c.key !== f.key))}>
                          Retirer
                        </button>
                      </Show>
                    </div>
                    <Show when={f.sending || f.state}>
                      <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow={percentOf(f)} data-progress={percentOf(f)}>
                        <span style={{ width: `${percentOf(f)}%` }} />
                      </div>
                      <p class="muted progress-label">{stepLabel(f)}</p>
                    </Show>
                    <Show when={f.state?.state === "done" && (f.state as Extract<ImportJobStatus, { state: "done" }>).run}>{(r) => <RunReport run={r()} />}</Show>
                    <Show when={f.state?.state === "failed"}>
                      <p class="form-error" role="alert">
                        {(f.state as Extract<ImportJobStatus, { state: "failed" }>).message}
                      </p>
                    </Show>
                  </li>
                )}
              </For>
            </ul>
            <div class="import-actions">
              <Show when={importing() || !files.every((f) => f.state)} fallback={<span class="muted">Pour importer d'autres fichiers, choisissez-les ci-dessus.</span>}>
              <button type="button" class="button primary" disabled={!ready() || importing()} aria-busy={importing()} onClick={() => void run()} data-testid="import-run">
                {importing() ? "Import en cours…" : `Importer ${files.length > 1 ? `les ${files.length} fichiers` : "le fichier"}`}
              </button>
              </Show>
              <Show when={files.some((f) => f.kind === null)}>
                <span class="muted">Indiquez le type de chaque fichier.</span>
              </Show>
            </div>
          </Show>
        </section>

        <section class="card">
          <h2>Historique des imports</h2>
          <QueryState query={history} failed="L'historique n'a pas pu être chargé.">
            <Switch>
              <Match when={history.data?.runs.length === 0}>
                <p class="muted">Aucun import pour l'instant.</p>
              </Match>
              <Match when={history.data}>
                <table class="import-history">
                  <thead>
                    <tr>
                      <th>Quand</th>
                      <th>Qui</th>
                      <th>Fichier</th>
                      <th>Type</th>
                      <th>Résultat</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={history.data!.runs}>
                      {(r) => (
                        <tr data-run={r.id}>
                          <td data-label="Quand">{formatInstantShort(r.at)}</td>
                          <td data-label="Qui">{r.userName ?? SOURCE_LABEL[r.source]}</td>
                          <td data-label="Fichier" class="import-file-name">
                            {r.fileName}
                          </td>
                          <td data-label="Type">{IMPORT_KIND_LABEL[r.kind]}</td>
                          <td data-label="Résultat">
                            <Show
                              when={r.ok}
                              fallback={
                                <a class="flag refused" href={`/api/imports/runs/${r.id}/report.csv`} download="" title="Télécharger le rapport">
                                  Refusé · {r.errors.length} problème{r.errors.length > 1 ? "s" : ""}
                                </a>
                              }
                            >
                              <span class="flag ok">
                                {count(r.created)} créée{r.created > 1 ? "s" : ""} · {count(r.updated)} mise{r.updated > 1 ? "s" : ""} à jour
                              </span>
                            </Show>
                          </td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </Match>
            </Switch>
          </QueryState>
        </section>
      </main>
    </>
  );
}

/** A file's outcome: counts, or every bad line with its column, and the report to download. */
function RunReport(props: { run: ImportRun }) {
  return (
    <div class="import-report" data-ok={props.run.ok ? "yes" : "no"}>
      <Show
        when={props.run.ok}
        fallback={
          <>
            <p>
              <span class="flag refused">Refusé</span> {props.run.errors.length} problème{props.run.errors.length > 1 ? "s" : ""}&#8239;: rien n'a été importé de ce fichier.
            </p>
            <div class="import-errors-wrap">
              <table class="import-errors">
                <thead>
                  <tr>
                    <th>Ligne</th>
                    <th>Colonne</th>
                    <th>Problème</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={props.run.errors}>
                    {(e) => (
                      <tr>
                        <td>{e.line}</td>
                        <td>{e.column ?? "—"}</td>
                        <td>{e.message.replace(/^Ligne \d+(, colonne [^:]+)? : /, "")}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
            <a class="button secondary" href={`/api/imports/runs/${props.run.id}/report.csv`} download={`rapport-${props.run.fileName.replace(/\.[^.]*$/, "")}.csv`}>
              Télécharger le rapport
            </a>
          </>
        }
      >
        <p>
          <span class="flag ok">Importé</span> {count(props.run.lines)} ligne{props.run.lines > 1 ? "s" : ""}&#8239;: {count(props.run.created)} créée
          {props.run.created > 1 ? "s" : ""}, {count(props.run.updated)} mise{props.run.updated > 1 ? "s" : ""} à jour.
        </p>
      </Show>
    </div>
  );
}

function stepLabel(f: Chosen): string {
  const s = f.state;
  if (s?.state === "done") return "Terminé";
  if (s?.state === "failed") return "Échec";
  if (s?.state === "running") return s.phase === "waiting" || s.phase === "check" ? `${PHASE_LABEL[s.phase]}…` : `${PHASE_LABEL[s.phase]} : ${count(s.done)} / ${count(s.total)}`;
  if (f.sending) return `Envoi : ${formatSize(f.sending.sent)} / ${formatSize(f.sending.total)}`;
  return "";
}

const count = (n: number) => n.toLocaleString("fr-FR");

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} o`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} Ko`;
  return `${(bytes / 1024 / 1024).toFixed(1).replace(".", ",")} Mo`;
}
