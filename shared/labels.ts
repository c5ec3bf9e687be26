import type { CustomerKind, GateState, PadlockState, PaymentMethod, Role, Segment } from "./enums";
import type { PROMISE_STATES } from "./schemas/follow-up";

// French words for codes that both the phone/office screens and the server's documents (the evidence pack) show:
// one table each, imported by both sides.

export const ROLE_LABEL: Record<Role, string> = {
  site_manager: "Gestionnaire de site",
  manager: "Manager",
  office: "Bureau",
};

export const STAGE_LABEL: Record<string, string> = {
  "first-contact": "Premier contact",
  reminder: "Relance avant le 15",
  R1: "Relance 1",
  lockout: "Double cadenas",
  "R2-notice": "Avant R2",
  R2: "Relance 2 (LRAR)",
  R3: "Mise en demeure",
  exit: "Sortie (fin de contrat)",
  unlock: "Payé, à débloquer",
  "thank-you": "Remerciement",
};

export const PAYMENT_METHOD_LABEL: Record<PaymentMethod, string> = {
  card: "Carte (VAD)",
  sepa: "Prélèvement SEPA",
  transfer: "Virement",
  cheque: "Chèque",
  cash: "Espèces",
};

export const SEGMENT_LABEL: Record<Segment, string> = {
  box: "Box (procédure site)",
  standard: "Standard",
  "standard-sans-email": "Standard sans e-mail",
  export: "Export",
  "grand-compte": "Grand compte",
  "mauvais-payeur": "Mauvais payeur",
};

export const PADLOCK_LABEL: Record<PadlockState, string> = {
  none: "Sans double cadenas",
  second_padlock: "Double cadenas posé",
};

export const GATE_LABEL: Record<GateState, string> = {
  active: "Code d'accès actif",
  suspended: "Code d'accès suspendu",
};

/** What came of one attempt at sending a message. */
export const ATTEMPT_LABEL: Record<string, string> = {
  sent: "Parti",
  written: "Écrit dans le dossier local, pas envoyé",
  retry: "À réessayer",
  failed: "Échec",
  cancelled: "Annulé",
  postponed: "Reporté",
  in_doubt: "Incertain",
  reconciled: "Retrouvé chez le fournisseur",
};

/** A customer's kind, as the debtor page and the follow-up table (and its export) say it. */
export const CUSTOMER_KIND_LABEL: Record<CustomerKind, string> = { person: "Particulier", company: "Société" };

/** Where a customer's latest promise to pay stands (the follow-up table's filter, column and export). */
export const PROMISE_STATE_LABEL: Record<(typeof PROMISE_STATES)[number], string> = { none: "Sans promesse", pending: "En cours", kept: "Tenue", broken: "Non tenue" };
