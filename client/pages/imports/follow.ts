import type { ImportJobStarted, ImportJobStatus } from "../../../shared/schemas/imports";
import { ApiError, apiGet } from "../../api";

/**
 * Sends one file to start its import, reporting how much of it went up (XMLHttpRequest: fetch cannot tell an
 * upload's progress), and resolves with the run's id once the server has it all.
 */
export function uploadImport(kind: string, file: File, onSent: (sent: number, total: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/imports/${kind}/jobs?fileName=${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader("content-type", "text/csv");
    xhr.setRequestHeader("accept", "application/json");
    xhr.responseType = "json";
    xhr.upload.onprogress = (e) => onSent(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      if (xhr.status === 202) return resolve((xhr.response as ImportJobStarted).id);
      const error = (xhr.response as { error?: { code: ApiError["code"]; message: string; details?: unknown } } | null)?.error;
      reject(new ApiError(xhr.status, error?.code ?? "INTERNAL", error?.message ?? `Erreur ${xhr.status}`, error?.details));
    };
    xhr.onerror = () => reject(new ApiError(0, "NETWORK", "Pas de connexion au serveur."));
    xhr.send(file);
  });
}

/**
 * Asks where a run stands until it ends, with short requests (a proxy holding answers back, or a phone losing
 * signal for a while, only delays the next answer); the import goes on on the server meanwhile.
 */
export async function followImport(id: string, onState: (state: ImportJobStatus) => void, everyMs = 400): Promise<ImportJobStatus> {
  for (;;) {
    try {
      const state = await apiGet<ImportJobStatus>(`/imports/runs/${id}`);
      onState(state);
      if (state.state !== "running") return state;
    } catch (error) {
      if (!(error instanceof ApiError && (error.code === "NETWORK" || error.status >= 500))) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** How far a file has gone, 0 to 100: sending it, then reading, checking and writing its lines on the server. */
export function percentOf(step: { sending?: { sent: number; total: number }; state?: ImportJobStatus }): number {
  if (step.state?.state === "done" || step.state?.state === "failed") return 100;
  const s = step.state;
  if (s?.state === "running") {
    const part = s.total > 0 ? s.done / s.total : 0;
    if (s.phase === "waiting") return 30;
    if (s.phase === "read") return Math.round(30 + 30 * part);
    if (s.phase === "check") return 62;
    return Math.round(65 + 34 * part);
  }
  if (step.sending) return Math.round(30 * (step.sending.total > 0 ? step.sending.sent / step.sending.total : 0));
  return 0;
}
