import { asc, eq } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { dateOfInstant, formatDateFr } from "../../shared/dates";
import type { Database, Transaction } from "../db/client";
import { messages } from "../messaging/messaging.sql";
import { sites } from "../sites/sites.sql";
import { userSites } from "./auth.sql";
import { accountMailKey, TOKEN_HOURS, type TokenPurpose } from "./tokens";

// The e-mails of an account (an invitation, a password reset) go through the outbox like every message: written in
// the same transaction as their link, sent by the worker, which cancels one whose link went stale before it left.
// They are about a user, not a customer: no customer, no history line, not in the office's message lists.

type Db = Database | Transaction;

/** The name the operator's e-mails go out under: the user's first site's sender name (or any site's), else Cadenas. */
export async function operatorSenderName(db: Db, userId: string): Promise<string> {
  const [own] = await db
    .select({ senderName: sites.senderName, name: sites.name })
    .from(userSites)
    .innerJoin(sites, eq(sites.id, userSites.siteId))
    .where(eq(userSites.userId, userId))
    .orderBy(asc(sites.code))
    .limit(1);
  const [any] = own ? [own] : await db.select({ senderName: sites.senderName, name: sites.name }).from(sites).orderBy(asc(sites.code)).limit(1);
  return any?.senderName ?? any?.name ?? "Cadenas";
}

export interface AccountMail {
  purpose: TokenPurpose;
  tokenId: string;
  link: string;
  expiresAt: string;
  user: { id: string; name: string; email: string };
  /** Who sent the invitation, named in it. */
  invitedBy?: string;
  timeZone: string;
}

/** The subject and text of a link's e-mail, in French. */
export function accountMailText(mail: AccountMail, senderName: string): { subject: string; body: string } {
  const until = new Date(mail.expiresAt);
  const time = until.toLocaleTimeString("fr-FR", { timeZone: mail.timeZone, hour: "2-digit", minute: "2-digit" });
  const day = formatDateFr(dateOfInstant(until, mail.timeZone));
  if (mail.purpose === "invitation") {
    return {
      subject: `${senderName} : votre accès à Cadenas`,
      body: [
        `Bonjour ${mail.user.name},`,
        `${mail.invitedBy ? `${mail.invitedBy} vous a ouvert` : "Un compte vous a été ouvert"} un accès à Cadenas, l'outil de suivi des impayés de ${senderName}.`,
        `Pour choisir votre mot de passe, ouvrez ce lien (sur votre téléphone ou votre ordinateur) :\n${mail.link}`,
        `Ce lien ne sert qu'une fois et reste valable ${TOKEN_HOURS.invitation} heures, jusqu'au ${day} à ${time}. Passé ce délai, demandez-en un nouveau au bureau.`,
        `Votre identifiant est votre adresse e-mail : ${mail.user.email}`,
      ].join("\n\n"),
    };
  }
  return {
    subject: `${senderName} : choisir un nouveau mot de passe`,
    body: [
      `Bonjour ${mail.user.name},`,
      `Vous avez demandé à changer votre mot de passe Cadenas. Pour en choisir un nouveau, ouvrez ce lien :\n${mail.link}`,
      `Ce lien ne sert qu'une fois et reste valable ${TOKEN_HOURS.reset} heure, jusqu'au ${day} à ${time}. Vos autres sessions seront fermées.`,
      `Si vous n'avez rien demandé, ignorez ce message : votre mot de passe reste le même.`,
    ].join("\n\n"),
  };
}

/** Writes the link's e-mail into the outbox, in the caller's transaction. */
export async function queueAccountMail(db: Db, mail: AccountMail): Promise<string> {
  const senderName = await operatorSenderName(db, mail.user.id);
  const { subject, body } = accountMailText(mail, senderName);
  const id = uuidv7();
  await db.insert(messages).values({
    id,
    caseId: null,
    customerId: null,
    userId: mail.user.id,
    channel: "email",
    purpose: "account",
    templateCode: mail.purpose,
    recipient: mail.user.email,
    senderName,
    subject,
    body,
    idempotencyKey: accountMailKey(mail.tokenId),
  });
  return id;
}

/** The body kept once the e-mail is gone: the link's token blanked, so the outbox does not keep a live link. */
export function withoutToken(body: string): string {
  return body.replace(/#t=[\w-]+/g, "#t=…");
}
