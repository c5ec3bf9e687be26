import type { ActionKind, CallOutcome, Level, MessageChannel, MessageStatus } from "../shared/enums";
import type { LateBucket } from "../shared/schemas/follow-up";
import type { SessionItem, UserItem } from "../shared/schemas/users";

// French words the users see, one place for each code.

export { ATTEMPT_LABEL, CUSTOMER_KIND_LABEL, GATE_LABEL, PADLOCK_LABEL, PAYMENT_METHOD_LABEL, PROMISE_STATE_LABEL, ROLE_LABEL, SEGMENT_LABEL, STAGE_LABEL } from "../shared/labels";

export const LEVEL_LABEL: Record<Level, string> = {
  none: "Sans relance",
  R1: "R1",
  R2: "R2",
  R3: "R3",
  R4: "R4",
  R5: "R5",
};

export const ACTION_LABEL: Record<ActionKind, string> = {
  call: "Appel",
  sms: "SMS",
  email: "Courriel",
  letter: "Courrier",
  registered_letter: "LRAR",
  note: "Note",
  promise: "Promesse",
  customer_answer: "Réponse client",
  padlock_placed: "Double cadenas posé",
  padlock_removed: "Double cadenas retiré",
  gate_suspended: "Code suspendu",
  gate_restored: "Code rétabli",
  level_changed: "Niveau",
  payment: "Paiement",
  fee: "Frais",
  contract_ended: "Sortie",
  case_closed: "Dossier clôturé",
  credit_note: "Avoir",
  payment_plan: "Échéancier",
  box_opened: "Ouverture du box",
  box_cleared: "Mise à la benne",
  task_done: "Tâche faite",
  correction: "Correction",
  stop_set: "Mis en stop",
  stop_lifted: "Stop levé",
  dispute_opened: "Litige",
  dispute_lifted: "Litige levé",
  scenario_changed: "Scénario changé",
  task_added: "Demande du bureau",
  handed_over: "Transmis au contentieux",
};

export const OUTCOME_LABEL: Record<CallOutcome, string> = {
  answered: "répondu",
  promise: "promesse",
  no_answer: "pas de réponse",
  wrong_number: "faux numéro",
};

/** Task wording is shared with the history lines the server writes. */
export { TASK_WORDING as TASK_LABEL } from "../shared/floor/describe";


/** The days-late buckets of the follow-up table and the aged-balance chart. */
export const LATE_BUCKET_LABEL: Record<LateBucket, string> = { "0-15": "0 à 15 j", "16-30": "16 à 30 j", "31-45": "31 à 45 j", "46-60": "46 à 60 j", "60+": "Plus de 60 j" };

/** How the office names a message's channel. */
export const CHANNEL_LABEL: Record<MessageChannel, string> = { email: "Courriel", sms: "SMS", letter: "Lettre simple", registered_letter: "LRAR" };

/** A list of messages in one state, as the *Envois* filters name it. */
export const MESSAGE_STATUS_LABEL: Record<MessageStatus, string> = {
  queued: "En file",
  sending: "En cours",
  sent: "Partis",
  written: "Écrits, pas envoyés",
  failed: "Échecs",
  cancelled: "Annulés",
  unknown: "À vérifier",
};

/** One message's state, as its badge says it. `written`: no provider is set, nobody received it. */
export const MESSAGE_STATE_LABEL: Record<MessageStatus, string> = {
  queued: "En file",
  sending: "En cours",
  sent: "Parti",
  written: "Écrit, pas envoyé",
  failed: "Échec",
  cancelled: "Annulé",
  unknown: "À vérifier",
};

/** The audit log's events, and their families (the part before the dot). An unknown one shows as it is. */
export const AUDIT_EVENT_LABEL: Record<string, string> = {
  auth: "Connexions",
  "auth.login": "Connexion",
  "auth.login_failed": "Connexion refusée",
  "auth.login_slowed": "Connexion freinée (trop d'essais)",
  "auth.forgot_slowed": "Lien « mot de passe oublié » freiné (trop de demandes)",
  "auth.logout": "Déconnexion",
  "auth.totp_enabled": "Double authentification activée",
  "auth.totp_disabled": "Double authentification désactivée",
  "auth.recovery_codes_regenerated": "Nouveaux codes de secours",
  "auth.recovery_code_used": "Code de secours utilisé",
  "auth.second_factor_failed": "Code de double authentification refusé",
  settings: "Réglages",
  "settings.updated": "Réglages modifiés",
  scenario: "Scénarios",
  "scenario.updated": "Scénario modifié",
  template: "Modèles",
  "template.updated": "Modèle modifié",
  user: "Utilisateurs",
  "user.created": "Utilisateur créé",
  "user.updated": "Utilisateur modifié",
  "user.deactivated": "Utilisateur désactivé",
  "user.reactivated": "Utilisateur réactivé",
  "user.invitation_sent": "Invitation envoyée",
  "user.reset_requested": "Lien de mot de passe demandé",
  "user.password_chosen": "Mot de passe choisi",
  "user.password_changed": "Mot de passe changé",
  session: "Sessions",
  "session.ended": "Session fermée",
  site: "Sites",
  "site.created": "Site créé",
  "site.updated": "Site modifié",
  "site.logo": "Logo du site changé",
  access: "Accès",
  "access.refused": "Accès refusé",
  export: "Téléchargements",
  "export.downloaded": "Fichier téléchargé",
  evidence: "Preuves",
  "evidence.photo_viewed": "Photo de preuve consultée",
  letters: "Courriers",
  "letters.printed": "Courriers imprimés",
  customer: "Données personnelles des clients",
  "customer.legal_hold_set": "Conservation pour motif légal posée",
  "customer.legal_hold_lifted": "Conservation pour motif légal levée",
  "customer.erasure_refused": "Demande d'effacement refusée",
  "customer.erased": "Données effacées à la demande de la personne",
  "customer.erasure_already_done": "Demande d'effacement (déjà effacé)",
  retention: "Durée de conservation",
  "retention.run": "Effacement quotidien des données échues",
};

export function auditEventLabel(event: string): string {
  return AUDIT_EVENT_LABEL[event] ?? event;
}

/** The fields an audit line names, in French; one not listed shows its code. */
const AUDIT_FIELD_LABEL: Record<string, string> = {
  name: "nom",
  email: "e-mail",
  initials: "initiales",
  role: "rôle",
  siteIds: "sites",
  userIds: "personnes",
  state: "état",
  code: "code",
  address: "adresse",
  postalCode: "code postal",
  city: "ville",
  phone: "téléphone",
  senderName: "expéditeur des e-mails",
  replyTo: "adresse de réponse",
  smsSender: "expéditeur SMS",
  legalName: "raison sociale",
  siret: "SIRET",
  rcs: "RCS",
  registeredOffice: "siège social",
  signatoryName: "signataire",
  signatoryTitle: "fonction du signataire",
  timeZone: "fuseau horaire",
  openingHours: "horaires",
  logo: "logo",
  sepaRejectFeeCents: "frais de rejet SEPA (centimes)",
  latePenaltyRatePercent: "taux des pénalités (%)",
  minBalanceCents: "solde minimum d'un dossier (centimes)",
  twoFactorRequired: "double authentification exigée",
  retentionYears: "conservation des données personnelles (années)",
  reason: "motif",
  reference: "référence de la demande",
  requestedOn: "demande reçue le",
  obstacles: "raisons du refus",
  pseudonymised: "clients effacés",
  secondFactor: "second facteur",
  steps: "étapes",
  subject: "objet",
  device: "appareil",
  expiresAt: "valable jusqu'au",
  firstRun: "mise en service",
  method: "méthode",
  path: "adresse demandée",
  file: "fichier",
};

export function auditFieldLabel(field: string): string {
  return AUDIT_FIELD_LABEL[field] ?? field;
}

/** Where a user account stands: invited (no password chosen yet), active, deactivated. */
export const USER_STATE_LABEL: Record<UserItem["state"], string> = {
  invited: "Invité",
  active: "Actif",
  deactivated: "Désactivé",
};

/** Where a session was opened, as "Mes sessions" says it. */
export const SESSION_PLACE_LABEL: Record<SessionItem["place"], string> = {
  phone: "Téléphone",
  desk: "Bureau",
};
