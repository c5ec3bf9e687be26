import type { Role } from "./enums";

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
