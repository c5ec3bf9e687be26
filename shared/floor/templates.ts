// The messages a site manager sends from the floor when a call is not answered. Kind first, never naming the
// debt in a voicemail (seed 000: the customer would not call back). Operators will edit these (messaging issue);
// until then they are the defaults.

export interface FloorTemplate {
  label: string;
  channel: "sms" | "email";
  subject?: string;
  body: string;
}

export const FLOOR_TEMPLATES: Record<string, FloorTemplate> = {
  "rappel-sms": {
    label: "Merci de nous rappeler",
    channel: "sms",
    body: "Bonjour {{nom}}, ici {{site}}. Merci de nous rappeler au {{telephone_site}} au sujet de votre box {{box}}. Bonne journée.",
  },
  "rappel-email": {
    label: "Premier rappel",
    channel: "email",
    subject: "Votre box {{box}} — merci de nous contacter",
    body:
      "Bonjour {{nom}},\n\nNous avons essayé de vous joindre au sujet de votre box {{box}} chez {{site}}. " +
      "Sauf erreur de notre part, le règlement de {{solde}} ne nous est pas encore parvenu : il s'agit peut-être d'un oubli " +
      "ou d'un souci de carte.\n\nPouvez-vous nous rappeler au {{telephone_site}} ou régler directement à l'accueil ?\n\n" +
      "Merci d'avance,\n{{signature}}\n{{site}}",
  },
};

/** What the site manager says on a voicemail: about the box, never about money. */
export const VOICEMAIL_SCRIPT =
  "Bonjour, ici {{site}}. Merci de nous rappeler de toute urgence au {{telephone_site}} au sujet de votre box de stockage. Bonne journée.";

/** Fills `{{name}}` placeholders; an unknown placeholder is left visible rather than silently dropped. */
export function renderTemplate(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{\s*([\w]+)\s*\}\}/g, (whole, name: string) => values[name] ?? whole);
}
