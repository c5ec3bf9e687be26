import { ACCOUNTING_YEARS, RETENTION_YEARS } from "./retention";

/**
 * The operator's register of processing (RGPD art. 30) as Cadenas keeps it: what is kept about a customer, why,
 * for how long, who sees it, who processes it for the operator, and the person's rights. One source: the access
 * export's PDF prints it to the person ("Pourquoi ces données, combien de temps, vos droits"), and the README's
 * "Registre des traitements (RGPD)" is written from it — change both together.
 *
 * The text is the operator's to adapt (their DPO, their processors); the durations are the product's rules
 * (`./retention.ts`).
 */


export interface RegisterEntry {
  /** What it is, in a few words ("Identité et coordonnées"). */
  label: string;
  /** The sentence that says it. */
  text: string;
}

export interface ProcessingRegister {
  controller: string;
  categories: RegisterEntry[];
  purposes: RegisterEntry[];
  retention: RegisterEntry[];
  recipients: RegisterEntry[];
  processors: RegisterEntry[];
  rights: RegisterEntry[];
}

/** The register, with the operator's retention period (years after settlement and contract end). */
export function processingRegister(options: { retentionYears?: number } = {}): ProcessingRegister {
  const years = options.retentionYears ?? RETENTION_YEARS.default;
  const yearsWord = `${years} an${years > 1 ? "s" : ""}`;
  return {
    controller:
      "Le responsable du traitement est la société qui exploite le site de self-stockage où vous louez un box (son nom, son adresse et son numéro RCS figurent en tête de ses courriers). Cadenas est le logiciel qu'elle utilise pour suivre les loyers impayés.",
    categories: [
      { label: "Identité et coordonnées", text: "nom ou raison sociale, référence client, adresse postale, adresse e-mail, numéro de téléphone, particulier ou société, mode de paiement." },
      { label: "Contrats et box", text: "contrats de location (box, site, loyer, dates), état du box (double cadenas, code d'accès suspendu)." },
      { label: "Factures et règlements", text: "factures, avoirs, frais, règlements et incidents de paiement (rejets de prélèvement ou de carte, chèques impayés), échéanciers et promesses de paiement." },
      { label: "Relances et courriers", text: "courriels, SMS et lettres envoyés (texte, destinataire, état de l'envoi, tentatives), lettres imprimées, avis de réception." },
      { label: "Suivi du dossier", text: "dossiers d'impayé, historique des actions (appels, notes, réponses), tâches et étapes prévues, avec les initiales du membre du personnel qui les a faites." },
      { label: "Preuves et photos", text: "photos du box (porte, cadenas, contenu lors d'une ouverture), leur empreinte SHA-256, l'heure et l'auteur de chaque enregistrement de preuve, l'inventaire et le témoin d'une ouverture." },
    ],
    purposes: [
      { label: "Exécution du contrat", text: "gérer la location du box, facturer et encaisser les loyers (RGPD art. 6.1.b)." },
      { label: "Intérêt légitime", text: "recouvrer à l'amiable les sommes dues, faire respecter le contrat (double cadenas, fin de contrat, ouverture du box) et en garder la preuve (RGPD art. 6.1.f)." },
      { label: "Obligation légale", text: "conserver les pièces comptables (C. com. art. L123-22) et les éléments d'une procédure (RGPD art. 6.1.c)." },
    ],
    retention: [
      { label: "Base active", text: "tant que vous louez un box ou qu'une somme reste due." },
      {
        label: "Après",
        text: `${yearsWord} après le règlement de la dernière somme due et la fin du dernier contrat, vos données personnelles (nom, coordonnées, adresse, textes libres, photos) sont pseudonymisées ; une suspension pour motif légal (litige, procédure, remise à un commissaire de justice) les garde le temps nécessaire.`,
      },
      { label: "Pièces comptables", text: `${ACCOUNTING_YEARS} ans (factures, règlements, avoirs : montants, références et dates, sans vos coordonnées une fois pseudonymisées).` },
      { label: "Photos de preuve", text: "comme vos autres données : supprimées avec elles (leur empreinte reste dans le registre de preuves)." },
      { label: "Journal des accès", text: "les consultations et exports de votre dossier par le personnel sont journalisés ; ce journal ne peut pas être modifié." },
      { label: "Sauvegardes", text: "les sauvegardes quotidiennes du serveur gardent une copie de vos données le nombre de jours fixé par l'exploitant, puis sont effacées." },
    ],
    recipients: [
      { label: "Bureau", text: "le personnel administratif de l'exploitant voit tous les sites." },
      { label: "Manager", text: "le responsable des sites où vous louez un box." },
      { label: "Gestionnaire de site", text: "le personnel du site où vous louez un box, sur son téléphone, tant qu'un dossier est ouvert ou qu'un double cadenas reste à retirer." },
      { label: "Tiers autorisés", text: "La Poste pour les lettres, et le cas échéant un commissaire de justice, un avocat ou un tribunal." },
    ],
    processors: [
      { label: "Hébergement", text: "le prestataire qui héberge le serveur de Cadenas, ses sauvegardes et les photos." },
      { label: "Courriel", text: "le serveur d'envoi de courriels (SMTP) de l'exploitant." },
      { label: "SMS", text: "Brevo (Sendinblue SAS, France), pour les SMS." },
      { label: "Horodatage", text: "une autorité d'horodatage (RFC 3161) ne reçoit qu'une empreinte du registre de preuves, aucune donnée personnelle." },
    ],
    rights: [
      { label: "Accès", text: "ce document : toutes les données que Cadenas conserve sur vous, avec les photos dans l'archive ZIP." },
      { label: "Rectification", text: "une coordonnée inexacte est corrigée dans le logiciel de facturation de l'exploitant, qui la transmet à Cadenas." },
      {
        label: "Effacement",
        text: "accordé quand la loi le permet ; refusé, avec le motif, tant qu'une somme reste due ou qu'un litige ou une procédure impose de garder les données. Chaque demande et sa réponse sont enregistrées.",
      },
      { label: "Opposition et limitation", text: "vous pouvez vous opposer à un traitement fondé sur l'intérêt légitime ou en demander la limitation, dans les limites du recouvrement d'une dette." },
      { label: "Réclamation", text: "auprès de la CNIL (www.cnil.fr, 3 place de Fontenoy, 75007 Paris)." },
      { label: "Contact", text: "par courrier ou courriel à l'exploitant du site (coordonnées en tête de ses courriers)." },
    ],
  };
}
