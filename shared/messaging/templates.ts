import type { MessageChannel } from "../enums";

/**
 * The messages the scenarios send and the floor sends from the phones (`floor`), as the office edits them — one
 * template system for both: one template per step or per floor message, with a variant per channel
 * (an e-mail, an SMS, a letter — a registered letter prints the letter variant). French defaults below, the tone
 * growing from kind to firm (DOMAIN.md, seed 001): a reminder first assumes an oversight, the formal notice states
 * the debt, the deadline and what comes next. `{{variable}}` is replaced by the customer's data; a variable not
 * in `TEMPLATE_VARIABLES` is refused when the template is saved.
 */

export const TEMPLATE_VARIABLES = {
  nom: "Nom du client",
  reference: "Référence client",
  box: "Numéros de box",
  site: "Nom du site",
  adresse_site: "Adresse du site",
  telephone_site: "Téléphone du site",
  solde: "Montant dû",
  factures: "Factures impayées (une ligne chacune)",
  echeance: "Date limite de paiement (8 jours)",
  date: "Date du jour",
  signature: "Signature (l'équipe du site, ou la personne qui envoie)",
  clause_resolutoire: "Clause résolutoire du contrat, après « conformément à » (réglages)",
  fin_contrat: "Date de fin du contrat (avis de résiliation)",
  delai_retrait: "Délai laissé pour retirer les biens, en toutes lettres (réglages)",
  conservation: "Durée de conservation des biens inventoriés, en toutes lettres (réglages)",
  taux_penalites: "Taux annuel des pénalités de retard des clients professionnels (réglages)",
} as const;
export type TemplateVariable = keyof typeof TEMPLATE_VARIABLES;

/**
 * Text only some customers read: `{{#pro}}…{{/pro}}` reaches companies only, `{{^pro}}…{{/pro}}` people only. What
 * the law lets a creditor claim from a company (the €40 indemnity, late penalties: C. com. L441-10) must not be
 * announced to a consumer (CPCE L111-8), so one template says both.
 */
export const TEMPLATE_SECTIONS = { pro: "Clients professionnels (sociétés)" } as const;
export type TemplateSection = keyof typeof TEMPLATE_SECTIONS;

const SECTION = /\{\{([#^])\s*(\w+)\s*\}\}([\s\S]*?)\{\{\/\s*\2\s*\}\}/g;

/** The text as this customer reads it: each section kept or dropped by its flag (`TEMPLATE_SECTIONS`). */
export function sections(text: string, flags: Record<TemplateSection, boolean>): string {
  return text.replace(SECTION, (whole, sign: string, name: string, inner: string) =>
    name in flags ? ((sign === "#") === flags[name as TemplateSection] ? inner : "") : whole,
  );
}

/** The section markers of a text that are unknown or left open, each once. */
function sectionProblems(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(SECTION)) if (!(m[2]! in TEMPLATE_SECTIONS)) out.add(`section inconnue {{${m[1]}${m[2]}}}`);
  if (/\{\{[#^/]/.test(text.replace(SECTION, ""))) out.add("section {{#…}} ou {{^…}} sans sa fin {{/…}}");
  return [...out];
}

/** What says how much is owed: never in an SMS (a lock screen is seen by others). */
export const AMOUNT_VARIABLES: readonly TemplateVariable[] = ["solde", "factures"];

export interface EmailVariant {
  subject: string;
  body: string;
  /** Sends the letter variant as a PDF attachment (R1, R2, R3 letters). */
  attachLetter?: boolean;
}
export interface LetterVariant {
  /** The letter's "Objet". */
  subject: string;
  body: string;
  /** A formal notice (*mise en demeure*): printed with its heading and legal mentions. */
  formalNotice?: boolean;
}
export interface MessageTemplate {
  code: string;
  label: string;
  /**
   * Offered on the phones' message sheet (after a call with no answer), with its SMS and e-mail variants. The
   * phones get it with their next sync and preview it with the same renderer the server sends it with.
   */
  floor?: boolean;
  /** Sender name shown on e-mails (the address is the server's). */
  from?: string;
  email?: EmailVariant;
  sms?: { body: string };
  letter?: LetterVariant;
}

/** The variant a channel uses: registered and simple letters print the same letter. */
export function variantFor(template: MessageTemplate, channel: MessageChannel): EmailVariant | LetterVariant | { body: string } | undefined {
  if (channel === "email") return template.email;
  if (channel === "sms") return template.sms;
  return template.letter;
}

/** The templates a site manager may send from the phone: marked for the floor, with an SMS or an e-mail. */
export function floorTemplates(all: Iterable<MessageTemplate>): MessageTemplate[] {
  return [...all].filter((t) => t.floor && (t.sms || t.email)).sort((a, b) => a.label.localeCompare(b.label, "fr") || (a.code < b.code ? -1 : 1));
}

const PLACEHOLDER = /\{\{\s*([\w]+)\s*\}\}/g;

/** The `{{names}}` of a text that are not known variables, each once. */
export function unknownVariables(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(PLACEHOLDER)) if (!(m[1]! in TEMPLATE_VARIABLES)) out.add(m[1]!);
  return [...out];
}

/** Fills `{{name}}` placeholders; an unknown one is left visible rather than silently dropped. */
export function fill(text: string, values: Partial<Record<string, string>>): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => values[name] ?? whole);
}

/** Every problem of a template as edited, in French, each naming its variant. */
export function templateProblems(t: MessageTemplate): string[] {
  const problems: string[] = [];
  const check = (where: string, text: string | undefined) => {
    for (const name of unknownVariables(text ?? "")) problems.push(`${where} : variable inconnue {{${name}}}`);
    for (const p of sectionProblems(text ?? "")) problems.push(`${where} : ${p}`);
  };
  check("Objet du courriel", t.email?.subject);
  check("Courriel", t.email?.body);
  check("SMS", t.sms?.body);
  for (const name of AMOUNT_VARIABLES) {
    if (t.sms?.body.includes(`{{${name}}}`)) problems.push(`SMS : pas de {{${name}}} — un SMS s'affiche sur l'écran verrouillé, vu par d'autres : il demande d'appeler ou de payer, sans montant`);
  }
  check("Objet de la lettre", t.letter?.subject);
  check("Lettre", t.letter?.body);
  if (!t.email && !t.sms && !t.letter) problems.push("Un modèle a au moins un courriel, un SMS ou une lettre");
  if (t.email?.attachLetter && !t.letter) problems.push("Le courriel joint la lettre, mais le modèle n'a pas de lettre");
  if (t.floor && !t.sms && !t.email) problems.push("Un modèle proposé sur les téléphones a un SMS ou un courriel");
  return problems;
}

const SIGN = "\n\n{{signature}}\n{{site}} — {{telephone_site}}";
/** The list of invoices and the total, as the default texts write them (a letter prints them as a table). */
export const OWED_LIST = "{{factures}}\n\nTotal dû : {{solde}}";
const OWED = `\n\n${OWED_LIST}`;

const T = (t: MessageTemplate) => t;

/**
 * What a company owes for paying late, stated in every letter about a debt (C. com. L441-10, D441-5) — and read by
 * companies only: a consumer is never told of recovery fees (CPCE L111-8).
 */
const PRO_FEES =
  "{{#pro}}\n\nEn votre qualité de client professionnel, toute facture payée en retard porte de plein droit des pénalités de retard au taux " +
  "annuel de {{taux_penalites}}, ainsi qu'une indemnité forfaitaire pour frais de recouvrement de 40 € par facture (articles L441-10 et D441-5 " +
  "du Code de commerce).{{/pro}}";

/**
 * What a formal notice says of the termination clause: named expressly, or the notice cannot lead to the
 * contract's termination (art. 1225 C. civ.); the deadline counts from the receipt, never a printed date.
 */
const TERMINATION_CLAUSE =
  "\n\nÀ défaut de paiement intégral dans ce délai, nous entendons nous prévaloir de la clause résolutoire : conformément à {{clause_resolutoire}}, " +
  "votre contrat de location sera résolu de plein droit (article 1225 du Code civil), à la fin du mois où ce délai aura expiré. La résolution " +
  "vous sera notifiée par lettre recommandée, avec le délai laissé pour retirer vos biens.";

export const DEFAULT_TEMPLATES: readonly MessageTemplate[] = [
  // The floor's messages after a call with no answer: kind first, never naming the debt in the call-back SMS
  // (seed 000: the customer would not call back).
  T({
    code: "rappel-sms",
    label: "Merci de nous rappeler",
    floor: true,
    sms: { body: "Bonjour {{nom}}, ici {{site}}. Merci de nous rappeler au {{telephone_site}} au sujet de votre box {{box}}. Bonne journée." },
  }),
  T({
    code: "rappel-email",
    label: "Premier rappel",
    floor: true,
    email: {
      subject: "Votre box {{box}} — merci de nous contacter",
      body:
        "Bonjour {{nom}},\n\nNous avons essayé de vous joindre au sujet de votre box {{box}} chez {{site}}. " +
        "Sauf erreur de notre part, le règlement de {{solde}} ne nous est pas encore parvenu : il s'agit peut-être d'un oubli " +
        "ou d'un souci de carte.\n\nPouvez-vous nous rappeler au {{telephone_site}} ou régler directement à l'accueil ?\n\n" +
        "Merci d'avance,\n{{signature}}\n{{site}}",
    },
  }),
  T({
    code: "box-reminder-sms",
    label: "Box — rappel avant suspension (SMS)",
    sms: { body: "{{site}} : sauf erreur, votre loyer du box {{box}} reste à régler. Merci de le faire sous cinq jours ou de nous appeler au {{telephone_site}}." },
  }),
  T({
    code: "box-reminder-email",
    label: "Box — rappel avant suspension",
    email: {
      subject: "Votre box {{box}} : loyer en attente de règlement",
      body:
        "Bonjour {{nom}},\n\nSauf erreur de notre part, le règlement de votre box {{box}} ne nous est pas parvenu. Il s'agit sans doute d'un oubli " +
        "ou d'un souci de carte bancaire." +
        OWED +
        "\n\nMerci de régler ce montant sous cinq jours, à l'accueil, par carte ou par virement. Si vous avez déjà payé, ne tenez pas compte de ce message." +
        SIGN,
    },
  }),
  T({
    code: "box-R1",
    label: "Box — relance 1",
    email: {
      subject: "Relance : loyer impayé de votre box {{box}}",
      body: "Bonjour {{nom}},\n\nVous trouverez ci-joint notre lettre de relance concernant le loyer impayé de votre box {{box}}." + OWED + "\n\nMerci de régulariser avant le {{echeance}}." + SIGN,
      attachLetter: true,
    },
    letter: {
      subject: "Relance — loyer impayé",
      body:
        "Madame, Monsieur,\n\nSauf erreur de notre part, les factures suivantes concernant votre box {{box}} restent impayées :" +
        OWED +
        "\n\nNous vous remercions de bien vouloir régulariser cette situation avant le {{echeance}}. Conformément à votre contrat, l'accès à votre box " +
        "est suspendu à compter du {{date}} (code d'accès désactivé et second cadenas posé) ; il sera rétabli dès réception de votre règlement." +
        PRO_FEES +
        "\n\nSi votre règlement a croisé ce courrier, nous vous prions de ne pas en tenir compte.\n\n" +
        "Veuillez agréer, Madame, Monsieur, nos salutations distinguées.",
    },
  }),
  T({
    code: "box-R2-notice",
    label: "Box — avant l'envoi de la lettre R2",
    email: {
      subject: "Dernier rappel avant lettre recommandée — box {{box}}",
      body:
        "Bonjour {{nom}},\n\nMalgré nos précédents rappels, le loyer de votre box {{box}} reste impayé et l'accès à votre box est suspendu." +
        OWED +
        "\n\nSans règlement de votre part, une lettre recommandée avec accusé de réception vous sera adressée dans les prochains jours. " +
        "Vous pouvez l'éviter en réglant dès aujourd'hui ou en nous appelant pour convenir d'un échéancier." +
        SIGN,
    },
  }),
  T({
    code: "box-R2",
    label: "Box — relance 2 (LRAR)",
    email: {
      subject: "Relance 2 : loyer impayé — box {{box}} (copie de notre lettre recommandée)",
      body: "Bonjour {{nom}},\n\nNous vous adressons ce jour par lettre recommandée avec accusé de réception la relance ci-jointe." + OWED + "\n\nMerci de régulariser avant le {{echeance}}." + SIGN,
      attachLetter: true,
    },
    letter: {
      // How it goes is printed on each copy (registered, its simple copy, the file's), not in the subject.
      subject: "Deuxième relance — loyers impayés",
      body:
        "Madame, Monsieur,\n\nMalgré notre précédente relance, les sommes suivantes restent dues au titre de la location de votre box {{box}} :" +
        OWED +
        "\n\nL'accès à votre box est suspendu depuis notre précédente relance. Nous vous demandons de régler l'intégralité de cette somme avant le {{echeance}}." +
        PRO_FEES +
        "\n\n" +
        "À défaut, nous vous adresserons une mise en demeure, puis nous mettrons fin à votre contrat à la fin du mois ; votre box sera alors ouvert " +
        "et son contenu traité dans les conditions prévues par votre contrat.\n\nVeuillez agréer, Madame, Monsieur, nos salutations distinguées.",
    },
  }),
  T({
    code: "box-R3",
    label: "Box — mise en demeure (LRAR)",
    email: {
      subject: "Mise en demeure de payer — box {{box}}",
      body:
        "Bonjour {{nom}},\n\nVous trouverez ci-joint la mise en demeure que nous vous adressons ce jour par lettre recommandée avec accusé de réception. " +
        "C'est notre dernier rappel avant la fin de votre contrat." +
        OWED +
        SIGN,
      attachLetter: true,
    },
    letter: {
      subject: "Mise en demeure de payer",
      formalNotice: true,
      body:
        "Madame, Monsieur,\n\nMalgré nos relances des mois précédents, restées sans effet, vous restez redevable des sommes suivantes au titre de la location de votre box {{box}} :" +
        OWED +
        "\n\nPar la présente, nous vous mettons en demeure de régler cette somme dans un délai de huit jours à compter de la réception de la présente. " +
        "Il s'agit de notre dernière relance amiable." +
        TERMINATION_CLAUSE +
        "\n\nLes sommes dues continuent d'augmenter à chaque échéance tant que le contrat court ; nous confierons en outre le recouvrement de notre " +
        "créance à un commissaire de justice ou saisirons le tribunal compétent, sans autre avis. La présente vaut mise en demeure au sens de " +
        "l'article 1344 du Code civil et fait courir les intérêts au taux légal (article 1231-6 du Code civil)." +
        PRO_FEES +
        "\n\nVeuillez agréer, Madame, Monsieur, nos salutations distinguées.",
    },
  }),
  T({
    code: "box-termination",
    label: "Box — notification de la résiliation (LRAR)",
    letter: {
      subject: "Notification de la résolution de votre contrat de location — box {{box}}",
      body:
        "Madame, Monsieur,\n\nNotre mise en demeure, adressée par lettre recommandée et rappelant {{clause_resolutoire}}, vous laissait huit jours " +
        "à compter de sa réception pour régler les loyers de votre box {{box}} : ce délai a expiré.\n\n" +
        "Nous vous notifions donc par la présente la résolution de votre contrat de location pour défaut de paiement des loyers, " +
        "conformément à {{clause_resolutoire}} et aux articles 1225 et 1226 du Code civil. Le contrat prend fin le {{fin_contrat}} ; aucun loyer ne sera facturé après.\n\n" +
        "La résolution ne vous libère pas de la somme suivante, qui porte intérêts au taux légal :" +
        OWED +
        PRO_FEES +
        "\n\nVous disposez d'un délai de {{delai_retrait}} à compter de la réception de la présente pour retirer vos biens du box, sur rendez-vous au {{telephone_site}}.\n\n" +
        "Passé ce délai, le box sera ouvert en présence d'un commissaire de justice, qui en dressera procès-verbal ; son contenu sera inventorié et " +
        "conservé pendant {{conservation}}, durant lesquels vous pourrez le récupérer. Il ne sera ensuite disposé de vos biens que sur un fondement " +
        "légal : une décision de justice, ou la clause de votre contrat constatée par le commissaire de justice.\n\n" +
        "Veuillez agréer, Madame, Monsieur, nos salutations distinguées.",
    },
  }),
  T({
    code: "thank-you",
    label: "Remerciement après paiement",
    email: {
      subject: "Merci pour votre règlement",
      body: "Bonjour {{nom}},\n\nNous avons bien reçu votre règlement et nous vous en remercions. Votre compte est à jour et l'accès à votre box {{box}} est rétabli.\n\nBonne journée," + SIGN,
    },
  }),
  T({
    code: "pre-due",
    label: "Avis avant échéance",
    email: {
      subject: "Votre prochaine échéance",
      body: "Bonjour {{nom}},\n\nPour mémoire, votre prochaine échéance arrive bientôt :\n\n{{factures}}\n\nMerci de prévoir son règlement à la date prévue." + SIGN,
    },
    letter: {
      subject: "Avis d'échéance",
      body: "Madame, Monsieur,\n\nPour mémoire, votre prochaine échéance arrive bientôt :\n\n{{factures}}\n\nNous vous remercions de prévoir son règlement à la date prévue.\n\nVeuillez agréer, Madame, Monsieur, nos salutations distinguées.",
    },
  }),
  T({
    code: "pre-due-firm",
    label: "Avis avant échéance (ferme)",
    email: {
      subject: "Échéance à venir — règlement attendu à la date prévue",
      body:
        "Bonjour {{nom}},\n\nVotre prochaine échéance arrive :\n\n{{factures}}\n\nCompte tenu des retards passés, nous vous demandons de régler à la date prévue, sans délai supplémentaire. " +
        "Tout retard entraînera l'envoi immédiat d'une relance." +
        SIGN,
    },
  }),
  T({
    code: "standard-R1",
    label: "Standard — relance 1",
    email: {
      subject: "Facture en attente de règlement",
      body: "Bonjour {{nom}},\n\nSauf erreur de notre part, le règlement des factures suivantes ne nous est pas parvenu :" + OWED + "\n\nIl s'agit peut-être d'un oubli : merci de régulariser avant le {{echeance}}." + SIGN,
    },
    letter: {
      subject: "Relance — facture impayée",
      body:
        "Madame, Monsieur,\n\nSauf erreur de notre part, les factures suivantes restent impayées :" +
        OWED +
        "\n\nNous vous remercions de régulariser avant le {{echeance}}." +
        PRO_FEES +
        "\n\nVeuillez agréer, Madame, Monsieur, nos salutations distinguées.",
    },
  }),
  T({
    code: "standard-R4",
    label: "Standard — lettre de relance",
    letter: {
      subject: "Relance — factures impayées",
      body:
        // Not every customer has an e-mail address or was called: the reminders are not named.
        "Madame, Monsieur,\n\nMalgré nos précédents rappels, les factures suivantes restent impayées :" +
        OWED +
        "\n\nNous vous demandons de régler cette somme avant le {{echeance}}." +
        PRO_FEES +
        "\n\nVeuillez agréer, Madame, Monsieur, nos salutations distinguées.",
    },
  }),
  T({
    code: "standard-R5",
    label: "Standard — dernière lettre",
    letter: {
      subject: "Dernière relance avant procédure",
      formalNotice: true,
      body:
        "Madame, Monsieur,\n\nNos précédentes relances sont restées sans effet. Vous restez redevable de :" +
        OWED +
        "\n\nNous vous mettons en demeure de régler cette somme au plus tard le {{echeance}}. À défaut, nous confierons le recouvrement de notre créance à un " +
        "commissaire de justice ou saisirons le tribunal compétent, sans autre avis." +
        PRO_FEES +
        "\n\n" +
        "Veuillez agréer, Madame, Monsieur, nos salutations distinguées.",
    },
  }),
  T({
    code: "export-R1",
    label: "Export — relance 1",
    email: {
      subject: "Payment reminder / Rappel de paiement",
      body:
        "Bonjour {{nom}},\n\nSauf erreur de notre part, les factures suivantes restent impayées :" +
        OWED +
        "\n\nMerci de régler par virement avant le {{echeance}}.\n\n— Dear customer, according to our records the invoices above are still unpaid. " +
        "Please pay by bank transfer before {{echeance}}." +
        SIGN,
    },
  }),
  T({
    code: "export-R2",
    label: "Export — relance 2",
    email: {
      subject: "Second reminder / Deuxième rappel",
      body:
        "Bonjour {{nom}},\n\nMalgré notre premier rappel, les factures suivantes restent impayées :" +
        OWED +
        "\n\nMerci de régler sans délai, au plus tard le {{echeance}}.\n\n— Despite our first reminder, the invoices above are still unpaid. Please pay by {{echeance}} at the latest." +
        SIGN,
    },
  }),
  T({
    code: "export-R4",
    label: "Export — lettre de relance",
    letter: {
      subject: "Relance — factures impayées / Unpaid invoices",
      body: "Madame, Monsieur,\n\nLes factures suivantes restent impayées :" + OWED + "\n\nMerci de régler avant le {{echeance}}." + PRO_FEES + "\n\nVeuillez agréer, Madame, Monsieur, nos salutations distinguées.",
    },
  }),
  T({
    code: "export-R5",
    label: "Export — dernière lettre",
    letter: {
      subject: "Dernière relance / Final reminder",
      formalNotice: true,
      body:
        "Madame, Monsieur,\n\nVous restez redevable de :" +
        OWED +
        "\n\nNous vous mettons en demeure de régler cette somme au plus tard le {{echeance}}, faute de quoi nous engagerons une procédure de recouvrement." +
        PRO_FEES +
        "\n\nVeuillez agréer, Madame, Monsieur, nos salutations distinguées.",
    },
  }),
  T({
    code: "grand-compte-R2",
    label: "Grand compte — relance",
    email: {
      subject: "Factures en attente — {{reference}}",
      body: "Bonjour,\n\nSauf erreur de notre part, les factures suivantes de votre compte {{reference}} restent en attente de règlement :" + OWED + "\n\nPouvez-vous nous indiquer la date de paiement prévue ?" + SIGN,
    },
  }),
  T({
    code: "mauvais-payeur-R1",
    label: "Mauvais payeur — relance 1",
    email: {
      subject: "Loyer impayé — règlement immédiat demandé",
      body: "Bonjour {{nom}},\n\nVotre échéance n'a pas été réglée :" + OWED + "\n\nNous vous demandons de régler immédiatement, au plus tard le {{echeance}}. Sans règlement, l'accès à votre box {{box}} sera suspendu." + SIGN,
    },
  }),
  T({
    code: "mauvais-payeur-R2",
    label: "Mauvais payeur — relance 2",
    email: {
      subject: "Deuxième relance — accès suspendu",
      body: "Bonjour {{nom}},\n\nMalgré notre relance, vous restez redevable de :" + OWED + "\n\nL'accès à votre box {{box}} est suspendu jusqu'au règlement complet. Une lettre recommandée suivra sans règlement sous huit jours." + SIGN,
    },
  }),
  T({
    code: "mauvais-payeur-R2-sms",
    label: "Mauvais payeur — relance 2 (SMS)",
    sms: { body: "{{site}} : un règlement est attendu pour votre box {{box}} et l'accès est suspendu jusqu'à sa réception. Appelez-nous au {{telephone_site}}." },
  }),
  T({
    code: "mauvais-payeur-R3",
    label: "Mauvais payeur — mise en demeure",
    letter: {
      subject: "Mise en demeure de payer",
      formalNotice: true,
      body:
        "Madame, Monsieur,\n\nMalgré nos relances, vous restez redevable des sommes suivantes :" +
        OWED +
        "\n\nPar la présente, nous vous mettons en demeure de régler cette somme dans un délai de huit jours à compter de la réception de la présente." +
        TERMINATION_CLAUSE +
        " Nous confierons en outre le recouvrement de notre créance à un commissaire de justice ou saisirons le tribunal compétent, sans autre avis.\n\n" +
        "Cette lettre vaut mise en demeure au sens de l'article 1344 du Code civil et fait courir les intérêts au taux légal (article 1231-6 du Code civil)." +
        PRO_FEES +
        "\n\n" +
        "Veuillez agréer, Madame, Monsieur, nos salutations distinguées.",
    },
  }),
];
