// What the site manager says on a voicemail: a script read aloud, not a message Cadenas sends, so it is not one of
// the office's message templates (those — the SMS and e-mails the floor sends — are in shared/messaging/templates.ts,
// marked `floor`). Kind first and about the box, never about money (seed 000: the customer would not call back).
// It is filled with `fill` from shared/messaging/templates.ts.

export const VOICEMAIL_SCRIPT =
  "Bonjour, ici {{site}}. Merci de nous rappeler de toute urgence au {{telephone_site}} au sujet de votre box de stockage. Bonne journée.";
