import { counted } from "../../shared/plural";
import type { ImportIssue } from "./columns";
import type { ImportKind } from "./imports.sql";
import { IMPORT_KIND_LABEL } from "../../shared/imports/kinds";
import { csvCell, csvFile } from "../csv";

/** What a report says about a run, whatever carries it (the CSV download, the drop folder's text file). */
export interface RunSummary {
  kind: ImportKind;
  fileName: string;
  ok: boolean;
  lines: number;
  created: number;
  updated: number;
  errors: readonly ImportIssue[];
  at: string;
}

/**
 * A run's report as a CSV for French Excel: `;`, a BOM so accents show, CRLF; one row per bad line (none for a
 * file that went in). Formula-like cells are neutralised (`csvCell`): the messages quote the file's own cells, which
 * anyone who wrote the file chose.
 */
export function reportCsv(run: RunSummary): string {
  const rows = [["ligne", "colonne", "message"], ...run.errors.map((e) => [String(e.line), e.column ?? "", e.message])];
  return csvFile(rows.map((r) => r.map(csvCell)));
}

export { csvCell };

/** The report left beside a file of the drop folder, for whoever looks in `done/` or `rejected/`. */
export function reportText(run: RunSummary, timeZone: string): string {
  const when = new Intl.DateTimeFormat("fr-FR", { dateStyle: "short", timeStyle: "medium", timeZone }).format(new Date(run.at));
  const head = [`Fichier : ${run.fileName}`, `Type : ${IMPORT_KIND_LABEL[run.kind]}`, `Importé le : ${when}`];
  if (run.ok) return [...head, `Résultat : importé — ${counted(run.lines, "ligne")}, ${counted(run.created, "créée")}, ${counted(run.updated, "mise à jour", "mises à jour")}`, ""].join("\n");
  return [...head, `Résultat : refusé, rien n'a été importé — ${counted(run.errors.length, "problème")}`, "", ...run.errors.map((e) => e.message), ""].join("\n");
}
