import { count, eq } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { SessionResponse } from "../../shared/schemas/auth";
import { SetupAccountBody, SetupState } from "../../shared/schemas/setup";
import { recordAudit } from "../audit/audit";
import { requestAddress } from "../request";
import { users } from "../auth/auth.sql";
import { setSessionCookie } from "../auth/cookie";
import { hashPassword } from "../auth/password";
import { assertStrongPassword } from "../auth/password-policy";
import { clientSettings } from "../auth/routes";
import { createSession, loadSessionUser } from "../auth/sessions";
import type { Database } from "../db/client";
import { AppError } from "../errors";
import { createRouter, errors, json, publicRoute } from "../http";
import { setupCodeMatches, setupOpen, spendSetupCodes } from "./setup-code";

const state = publicRoute({
  method: "get",
  path: "/setup",
  tags: ["auth"],
  summary: "Whether the server still waits for its first office account (first run on an empty database)",
  responses: { 200: json(SetupState, "The first run's state") },
});

const createAccount = publicRoute({
  method: "post",
  path: "/setup/account",
  tags: ["auth"],
  summary: "Creates the first office account with the setup code the server printed at start; signs it in",
  request: { body: { ...json(SetupAccountBody, "The code from the server's log, and the account"), required: true } },
  responses: { 200: json(SessionResponse, "Created and signed in"), ...errors(400, 403, 409, 415) },
});

export const setupRoutes = createRouter()
  .openapi(state, async (c) => c.json({ needsAccount: await hasNoUser(c.get("services").db) }, 200))
  .openapi(createAccount, async (c) => {
    const { db, config } = c.get("services");
    const body = c.req.valid("json");
    if (!(await hasNoUser(db)) || !(await setupOpen(db))) throw new AppError("CONFLICT", "Cadenas est déjà mis en service : connectez-vous avec un compte existant.");
    if (!(await setupCodeMatches(db, body.code))) {
      throw new AppError(
        "FORBIDDEN",
        (await setupOpen(db))
          ? "Code d'installation incorrect : recopiez celui que le serveur a écrit dans son journal au démarrage."
          : "Trop de codes faux : ce code ne vaut plus. Redémarrez le serveur pour en obtenir un nouveau dans son journal.",
      );
    }
    assertStrongPassword(body.password, "password", [body.name, body.email, body.initials]);
    const id = uuidv7();
    const passwordHash = await hashPassword(body.password);
    const now = new Date().toISOString();
    // Checked again inside the write: two people typing the code at the same moment make one account, not two.
    const created = await db.transaction(async (tx) => {
      const [row] = await tx.select({ n: count() }).from(users);
      if ((row?.n ?? 0) > 0) return false;
      await tx.insert(users).values({ id, name: body.name, email: body.email, initials: body.initials, role: "office", passwordHash, passwordSetAt: now });
      return true;
    });
    if (!created) throw new AppError("CONFLICT", "Cadenas est déjà mis en service : connectez-vous avec un compte existant.");
    await spendSetupCodes(db);
    const address = requestAddress(c);
    await recordAudit(db, { event: "user.created", userId: id, address, entity: "user", entityId: id, details: { after: { name: body.name, email: body.email, initials: body.initials, role: "office" }, firstRun: true } });
    const session = await createSession(db, id, config.sessionDays, c.req.header("user-agent"), address);
    setSessionCookie(c, session);
    const [row] = await db.select().from(users).where(eq(users.id, id));
    const user = await loadSessionUser(db, row!);
    return c.json({ user, settings: clientSettings(config, user) }, 200);
  });

/** True on a database nobody can sign in to yet: the first run. */
export async function hasNoUser(db: Database): Promise<boolean> {
  const [row] = await db.select({ n: count() }).from(users);
  return (row?.n ?? 0) === 0;
}
