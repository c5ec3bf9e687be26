import { createHash } from "node:crypto";
import { and, eq, isNotNull, sql } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { hashToken } from "../../server/auth/sessions";
import { createApp } from "../../server/app";
import { engineRuns } from "../../server/engine/engine.sql";
import { sendDueMessages, transportsFor } from "../../server/messaging/worker";
import { addDays } from "../../shared/dates";
import { MUTATION_VERSION } from "../../shared/schemas/mutations";
import { ScenarioBody } from "../../shared/schemas/scenarios";
import { TemplateBody } from "../../shared/schemas/templates";
import type { DebtorDoc } from "../../shared/schemas/debtor-doc";
import { pngImage } from "../support/images";
import {
  COLUMNS,
  anySignedIn,
  everySite,
  except,
  judge,
  leaks,
  officeAndManager,
  officeAndManagerScoped,
  officeOnly,
  publicRoute,
  send,
  sitesScoped,
  watchWrites,
  type Check,
  type Column,
  type Request,
  type Rule,
} from "../support/matrix";
import { call, signIn, startTestServer, TEST_NOW, TEST_TODAY, type TestServer } from "../support/server";

// The authorization matrix: every route of /api/openapi.json, asked by nobody, a site manager and a Manager about
// their own site's object and about the other site's, and by the office. Each route's line says once what each of
// them is answered; a route without its line, or a line without its route, fails. On every answer: a refusal is
// exactly 401 UNAUTHENTICATED, 403 FORBIDDEN (a role's refusal) or 404 NOT_FOUND (another site's object, as if it
// did not exist); an answer to someone held to one site holds nothing of the other site; a GET writes nothing.
//
// The people: the demo's site manager of LYO (VT) and the office; a Manager of LYO only, made here (the demo's
// Manager works on both sites). "Own" objects are LYO's, "other" ones VIL's; the office is asked about VIL's.

const STRONG = "Velo-Bleu-Marteau-97";
const WEBHOOK_TOKEN = "matrix-webhook-token-0123456789";

interface SiteFixtures {
  code: "LYO" | "VIL";
  siteId: string;
  /** A debtor with an open case, a padlock placed on their box with a photo (an evidence record). */
  customerId: string;
  customerRef: string;
  caseId: string;
  unitId: string;
  photoSha: string;
  approvalIds: string[];
  sentEmailId: string;
  failedEmailId: string;
  printedLetterId: string;
  batchFile: string;
  registeredLetterId: string;
  feeRef: string;
  /** An invited site manager of this site only, the target of the accounts' routes. */
  targetUserId: string;
}

interface Person {
  email: string;
  password: string;
  cookie: string;
}

/** Who asks in a column, about which site's objects, and a number unique to the request. */
interface Who {
  column: Column;
  person: Person | null;
  f: SiteFixtures;
  n: number;
}

interface Line {
  expect: Rule;
  request?: (who: Who) => Request | Promise<Request>;
  /** The statuses that count as the route doing its work; 2xx when not said. */
  ok?: readonly number[];
  /** Run after an allowed request (an import job followed until it ends, so that it writes nothing later). */
  after?: (who: Who, answer: { json: any }) => Promise<void>;
}

let server: TestServer;
let people: { siteManager: Person; manager: Person; office: Person };
let own: SiteFixtures;
let other: SiteFixtures;
let template: { code: string; body: unknown };
let scenario: { code: string; body: unknown };
let importRunId: string;
/** Another user's session, per column: the office's for the others, the site manager's for the office. */
let foreignSession: { ofOffice: string; ofSiteManager: string };
/** Strings found only in the other site's data (VIL), with what they are. */
const markers = new Map<string, string>();
let writes: Awaited<ReturnType<typeof watchWrites>>;
let counter = 0;

const sessionIdOf = (cookie: string) => hashToken(cookie.slice(cookie.indexOf("=") + 1));
const json = (path: string, cookie: string) => call(server.url, "GET", path, { cookie });

/** A session made for one request (signing out, ending it), so the column's own session keeps working. */
async function freshCookie(who: Who): Promise<string | undefined> {
  return who.person ? await signIn(server.url, who.person.email, who.person.password) : undefined;
}

const pushChecks = {
  applied: { status: 200, says: "the mutation applied", body: (b) => (b?.results?.[0]?.status === "applied" ? null : `got ${JSON.stringify(b?.results)}`) } satisfies Check,
  outOfScope: {
    status: 200,
    says: "the mutation rejected OUT_OF_SCOPE",
    body: (b) => (b?.results?.[0]?.status === "rejected" && b.results[0].reason?.code === "OUT_OF_SCOPE" ? null : `got ${JSON.stringify(b?.results)}`),
  } satisfies Check,
};

const blobStatus = {
  complete: { status: 200, says: "the photo complete", body: (b) => (b?.complete === true ? null : `got ${JSON.stringify(b)}`) } satisfies Check,
  unknown: { status: 200, says: "the photo as unknown (nothing received)", body: (b) => (b?.received === 0 && b.complete === false && b.size === null ? null : `got ${JSON.stringify(b)}`) } satisfies Check,
};

const initialsOf = (n: number) => `Q${String.fromCharCode(65 + (Math.floor(n / 26) % 26))}${String.fromCharCode(65 + (n % 26))}`;
const uniquePng = (n: number) => pngImage(17 + n, 9);

/**
 * The matrix: one line a route, keyed as openapi.json names it. Comments say why a line departs from its rule.
 * Requests carry valid bodies: validation answers 400 before a route's role check, so a refusal is only seen
 * with a body the route would accept.
 */
const MATRIX: Record<string, Line> = {
  // ---- public ------------------------------------------------------------------------------------------------
  "GET /health": { expect: publicRoute },
  "GET /health/ready": { expect: publicRoute },
  "GET /auth/session": { expect: publicRoute },
  "POST /auth/login": { expect: publicRoute, request: (w) => ({ body: { email: w.person?.email ?? people.siteManager.email, password: w.person?.password ?? people.siteManager.password } }) },
  "POST /auth/forgot": { expect: publicRoute, ok: [202, 429], request: () => ({ body: { email: "personne@exemple.fr" } }) },
  "GET /auth/tokens/{token}": { expect: publicRoute, ok: [410], request: () => ({ path: { token: "x".repeat(43) } }) },
  "POST /auth/password/choose": { expect: publicRoute, ok: [410], request: () => ({ body: { token: "x".repeat(43), password: STRONG } }) },
  "GET /setup": { expect: publicRoute },
  // The database has its accounts: the first run's account is refused to everyone, signed in or not.
  "POST /setup/account": { expect: publicRoute, ok: [409], request: (w) => ({ body: { code: "ABCD-EFGH", name: "Premier Compte", email: `setup${w.n}@exemple.fr`, initials: "PC", password: STRONG } }) },
  // Brevo's SMS delivery webhook: Brevo has no session; the route's own secret (BREVO_WEBHOOK_TOKEN, here in the query)
  // is the check, the same for whoever holds it. Without it, or with another: 401 and nothing changes (brevo.test.ts).
  "POST /webhooks/brevo": {
    expect: publicRoute,
    request: () => ({ query: { token: WEBHOOK_TOKEN }, body: { id: 26570, to: "33600000000", messageId: 1, msg_status: "delivered", date: `${TEST_TODAY} 10:00:00`, type: "transactional" } }),
  },

  // ---- one's own session and account -------------------------------------------------------------------------
  "GET /openapi.json": { expect: anySignedIn },
  "POST /auth/logout": { expect: anySignedIn, request: async (w) => ({ cookie: await freshCookie(w) }) },
  "GET /auth/me": { expect: anySignedIn },
  // The right current password and a weak new one: answered after the session and the current password are checked.
  "POST /auth/password": { expect: anySignedIn, ok: [400], request: (w) => ({ body: { currentPassword: w.person?.password ?? "x", newPassword: "aaaaaaaaaaaa" } }) },
  "GET /auth/sessions": { expect: anySignedIn },
  // One's own sessions only, the office included: another user's session is "not found".
  "DELETE /auth/sessions/{id}": {
    expect: except(sitesScoped, { office: 404 }),
    request: async (w) => {
      if (w.column === "siteManagerOwn" || w.column === "managerOwn") return { path: { id: sessionIdOf((await freshCookie(w))!) } };
      return { path: { id: w.column === "office" ? foreignSession.ofSiteManager : foreignSession.ofOffice } };
    },
  },

  // ---- accounts (office; a Manager for the site managers of his sites) ---------------------------------------
  "GET /users": { expect: officeAndManager },
  // A Manager granting another site (named in the body) is refused 403, as accounts.test.ts says.
  "POST /users": {
    expect: except(officeAndManager, { managerOther: 403 }),
    ok: [201],
    request: (w) => ({ body: { name: `Compte ${w.n}`, email: `matrice${w.n}@exemple.fr`, initials: initialsOf(w.n), role: "site_manager", siteIds: [w.f.siteId] } }),
  },
  // Another site's account: 403, not 404 — the Manager is told he manages only his sites' site managers
  // (accounts.test.ts); the answer carries nothing of the account.
  "PATCH /users/{id}": { expect: except(officeAndManager, { managerOther: 403 }), request: (w) => ({ path: { id: w.f.targetUserId }, body: { name: `Cible ${w.f.code}` } }) },
  "POST /users/{id}/deactivate": { expect: except(officeAndManager, { managerOther: 403 }), request: (w) => ({ path: { id: w.f.targetUserId } }) },
  "POST /users/{id}/reactivate": { expect: except(officeAndManager, { managerOther: 403 }), request: (w) => ({ path: { id: w.f.targetUserId } }) },
  "POST /users/{id}/invitation": { expect: except(officeAndManager, { managerOther: 403 }), request: (w) => ({ path: { id: w.f.targetUserId } }) },

  // ---- the floor -----------------------------------------------------------------------------------------------
  "GET /today": { expect: anySignedIn },
  "GET /debtors/{customerId}": { expect: sitesScoped, request: (w) => ({ path: { customerId: w.f.customerId } }) },
  // The office's follow-up table: each Manager sees his sites' rows only (the matrix checks nothing of VIL leaks).
  "GET /followup": { expect: officeAndManager },
  "GET /followup.csv": { expect: officeAndManager },
  "GET /followup.xlsx": { expect: officeAndManager },
  // A bulk action on one customer: a Manager naming another site's customer is refused as a whole (409), the
  // refusal naming nothing of that customer (follow-up-bulk.test.ts); a task for the floor is never refused otherwise.
  "POST /followup/bulk": {
    expect: except(officeAndManager, {
      managerOther: { status: 409, says: "the selection refused, nothing of the other site's customer named", body: (b) => (b?.error?.details?.refused?.[0]?.ref === null && b.error.details.refused[0].name === null ? null : JSON.stringify(b)) },
    }),
    request: (w) => ({ body: { requestId: uuidv7(), customerIds: [w.f.customerId], action: { kind: "task", text: `Tâche de la matrice ${w.n}` } } }),
  },
  // Each user's own views: another user's view is not found (the office's, asked by the Managers).
  "GET /followup/views": { expect: officeAndManager },
  "POST /followup/views": { expect: officeAndManager, request: (w) => ({ body: { name: `Vue de la matrice ${w.n}`, query: "level=R2" } }) },
  "DELETE /followup/views/{id}": {
    expect: except(officeAndManager, { managerOwn: 404, managerOther: 404 }),
    ok: [204],
    request: async (w) => {
      const made = await call(server.url, "POST", "/api/followup/views", { cookie: people.office.cookie, body: { name: `Vue à effacer ${w.n}`, query: "dispute=yes" } });
      return { path: { id: made.body.view.id } };
    },
  },
  // Lifting a dispute the customer is not in: refused 409 once the role and the site are checked (dispute.test.ts
  // puts and lifts them).
  "PUT /customers/{customerId}/dispute": { expect: officeAndManagerScoped, ok: [409], request: (w) => ({ path: { customerId: w.f.customerId }, body: { dispute: false, note: `Matrice ${w.n}` } }) },
  // The dashboards: the office, and each Manager over his sites only (dashboard.test.ts checks the scope).
  "GET /dashboard": { expect: officeAndManager },
  // A phone's batch is accepted whatever it holds; a mutation about another site's customer is rejected in it.
  "POST /sync/push": {
    expect: { anonymous: 401, siteManagerOwn: pushChecks.applied, siteManagerOther: pushChecks.outOfScope, managerOwn: pushChecks.applied, managerOther: pushChecks.outOfScope, office: pushChecks.applied },
    request: (w) => ({
      body: {
        clientId: uuidv7(),
        mutations: [{ id: uuidv7(), seq: 1, v: MUTATION_VERSION, kind: "note.added", payload: { customerId: w.f.customerId, text: `Note de la matrice ${w.n}` }, happenedAt: TEST_NOW.toISOString() }],
      },
    }),
  },
  "POST /sync/pull": { expect: anySignedIn, request: () => ({ body: { clientId: uuidv7(), cursor: null, page: null } }) },
  "POST /sync/set-aside": {
    expect: anySignedIn,
    ok: [204],
    request: () => ({ body: { clientId: uuidv7(), mutations: [{ id: uuidv7(), seq: 1, kind: "note.added", faults: 3, lastError: null }] } }),
  },
  "GET /sync/set-aside": { expect: officeAndManager },
  "GET /settings": { expect: anySignedIn },
  "GET /scenarios": { expect: anySignedIn },

  // ---- photos and evidence -----------------------------------------------------------------------------------
  // Content-addressed: whoever sends the bytes may store them.
  "PUT /blobs/{sha256}": {
    expect: anySignedIn,
    request: (w) => {
      const bytes = uniquePng(w.n);
      return { path: { sha256: createHash("sha256").update(bytes).digest("hex") }, raw: { bytes, type: "application/octet-stream" } };
    },
  },
  "GET /blobs/{sha256}": { expect: sitesScoped, request: (w) => ({ path: { sha256: w.f.photoSha } }) },
  // Where an upload stands: a photo the asker may not see is answered as one the server does not hold (nothing
  // received), so the answer tells nothing of its existence; their own site's photo is complete.
  "GET /blobs/{sha256}/status": {
    expect: except(sitesScoped, { siteManagerOwn: blobStatus.complete, siteManagerOther: blobStatus.unknown, managerOwn: blobStatus.complete, managerOther: blobStatus.unknown, office: blobStatus.complete }),
    request: (w) => ({ path: { sha256: w.f.photoSha } }),
  },
  "GET /cases/{caseId}/evidence": { expect: sitesScoped, request: (w) => ({ path: { caseId: w.f.caseId } }) },
  "GET /cases/{caseId}/evidence-pack.pdf": { expect: sitesScoped, request: (w) => ({ path: { caseId: w.f.caseId } }) },
  "GET /cases/{caseId}/evidence-pack.zip": { expect: sitesScoped, request: (w) => ({ path: { caseId: w.f.caseId } }) },
  // No box opened in this case: refused 409 once the role and the site are checked.
  "POST /cases/{caseId}/disposal-basis": {
    expect: officeAndManagerScoped,
    ok: [204, 409],
    request: (w) => ({ path: { caseId: w.f.caseId }, body: { unitId: w.f.unitId, basis: { kind: "court_order", reference: "RG 26/00042", court: "Tribunal judiciaire de Lyon" } } }),
  },

  // ---- the office's desk ---------------------------------------------------------------------------------------
  "GET /approvals": { expect: officeAndManager },
  "POST /approvals": { expect: officeAndManagerScoped, request: (w) => ({ body: { decision: "approve", ids: w.f.approvalIds } }) },
  "PUT /settings": { expect: officeAndManager, request: () => ({ body: { sepaRejectFeeCents: 1500 } }) },
  "PUT /scenarios/{code}": { expect: officeAndManager, request: () => ({ path: { code: scenario.code }, body: scenario.body }) },
  // The contract has not ended: refused 409 once the role and the site are checked.
  "POST /cases/{caseId}/close": { expect: officeAndManagerScoped, ok: [200, 409], request: (w) => ({ path: { caseId: w.f.caseId }, body: { reason: "contract_ended", note: "Matrice des droits" } }) },
  "POST /customers/{customerId}/payment-plans": {
    expect: officeAndManagerScoped,
    ok: [201],
    request: (w) => ({ path: { customerId: w.f.customerId }, body: { instalments: [{ dueOn: addDays(TEST_TODAY, 10), amountCents: 1000 }] } }),
  },
  "GET /billing/to-enter": { expect: officeAndManager, request: () => ({ query: { show: "all" } }) },
  "GET /billing/to-enter.csv": { expect: officeAndManager, request: () => ({ query: { show: "all" } }) },
  "POST /billing/to-enter/exported": { expect: officeAndManagerScoped, request: (w) => ({ body: { refs: [w.f.feeRef] } }) },
  "GET /templates": { expect: officeAndManager },
  "PUT /templates/{code}": { expect: officeAndManager, request: () => ({ path: { code: template.code }, body: template.body }) },
  "GET /templates/{code}/preview": { expect: officeAndManagerScoped, request: (w) => ({ path: { code: template.code }, query: { customerId: w.f.customerId, channel: "letter" } }) },
  "GET /templates/{code}/preview.pdf": { expect: officeAndManagerScoped, request: (w) => ({ path: { code: template.code }, query: { customerId: w.f.customerId, channel: "letter" } }) },
  // Filtered on a customer of the other site: an empty list, never their messages.
  "GET /messages": { expect: officeAndManager, request: (w) => ({ query: { customerId: w.f.customerId } }) },
  "GET /messages/{id}": { expect: officeAndManagerScoped, request: (w) => ({ path: { id: w.f.sentEmailId } }) },
  "GET /messages/{id}/raw": { expect: officeAndManagerScoped, request: (w) => ({ path: { id: w.f.sentEmailId } }) },
  "POST /messages/{id}/retry": { expect: officeAndManagerScoped, ok: [200, 409], request: (w) => ({ path: { id: w.f.failedEmailId } }) },
  // The letter was printed at set-up: printed again, or refused 409, once the role and the site are checked.
  "POST /letters/print": { expect: officeAndManagerScoped, ok: [200, 409], request: (w) => ({ body: { ids: [w.f.printedLetterId] } }) },
  "GET /letters/batches/{file}": { expect: officeAndManagerScoped, request: (w) => ({ path: { file: w.f.batchFile } }) },
  "GET /messages/{id}/letter.pdf": { expect: officeAndManagerScoped, request: (w) => ({ path: { id: w.f.printedLetterId } }) },
  "POST /letters/posted": { expect: officeAndManagerScoped, ok: [200, 409], request: (w) => ({ body: { letters: [{ id: w.f.printedLetterId }] } }) },
  "POST /letters/{id}/acknowledged": { expect: officeAndManagerScoped, ok: [200, 409], request: (w) => ({ path: { id: w.f.registeredLetterId }, body: { receivedOn: addDays(TEST_TODAY, -1) } }) },
  "POST /letters/{id}/unclaimed": { expect: officeAndManagerScoped, ok: [200, 409], request: (w) => ({ path: { id: w.f.registeredLetterId }, body: { receivedOn: addDays(TEST_TODAY, -1) } }) },

  // ---- imports: the billing software's files cover every site ------------------------------------------------
  "POST /imports/{kind}": {
    expect: everySite,
    ok: [200, 422],
    request: (w) => ({ path: { kind: "customers" }, raw: { bytes: `customer_ref;kind;name;payment_method\nMX${w.n};person;Client Matrice ${w.n};transfer\n`, type: "text/csv" } }),
  },
  "POST /imports/{kind}/jobs": {
    expect: everySite,
    ok: [202],
    request: (w) => ({ path: { kind: "customers" }, raw: { bytes: `customer_ref;kind;name;payment_method\nMJ${w.n};person;Client Matrice ${w.n};transfer\n`, type: "text/csv" } }),
    after: async (w, answer) => {
      await vi.waitFor(async () => expect((await json(`/api/imports/runs/${answer.json.id}`, w.person!.cookie)).body.state).toBe("done"), { timeout: 20_000, interval: 50 });
    },
  },
  "GET /imports/runs/{id}": { expect: everySite, request: () => ({ path: { id: importRunId } }) },
  "GET /imports/runs/{id}/report.csv": { expect: everySite, request: () => ({ path: { id: importRunId } }) },
  "GET /imports/freshness": { expect: officeAndManager },
  "GET /provider-alerts": { expect: officeAndManager },
  "GET /imports": { expect: everySite },

  // ---- sites and the audit log ---------------------------------------------------------------------------------
  "GET /sites": { expect: officeAndManager },
  "GET /sites/{id}/logo": { expect: officeAndManagerScoped, request: (w) => ({ path: { id: w.f.siteId } }) },
  "POST /sites": {
    expect: officeOnly,
    ok: [201],
    request: (w) => ({
      body: {
        code: `MX${w.n}`,
        name: `Site de la matrice ${w.n}`,
        address: null,
        postalCode: null,
        city: null,
        phone: null,
        email: null,
        senderName: null,
        replyTo: null,
        smsSender: null,
        legalName: null,
        siret: null,
        rcs: null,
        registeredOffice: null,
        signatoryName: null,
        signatoryTitle: null,
        timeZone: "Europe/Paris",
        openingHours: null,
        userIds: [],
      },
    }),
  },
  "PATCH /sites/{id}": { expect: officeOnly, request: (w) => ({ path: { id: w.f.siteId }, body: {} }) },
  "PUT /sites/{id}/logo": { expect: officeOnly, request: (w) => ({ path: { id: w.f.siteId }, raw: { bytes: uniquePng(w.n), type: "image/png" } }) },
  "DELETE /sites/{id}/logo": { expect: officeOnly, request: (w) => ({ path: { id: w.f.siteId } }) },
  "GET /audit": { expect: officeOnly },
  // A person's right of access: answered by the office alone, even for a Manager's own site (personal-data.test.ts).
  "GET /customers/{customerId}/personal-data.zip": { expect: officeOnly, request: (w) => ({ path: { customerId: w.f.customerId } }) },
  "GET /customers/{customerId}/personal-data.json": { expect: officeOnly, request: (w) => ({ path: { customerId: w.f.customerId } }) },
  "GET /customers/{customerId}/personal-data.pdf": { expect: officeOnly, request: (w) => ({ path: { customerId: w.f.customerId } }) },
  // Retention, legal hold and erasure: the controller's decisions, the office's alone (retention.test.ts). The
  // fixture's customer owes: an erasure request is refused (409, recorded) once the role is checked.
  "GET /customers/{customerId}/privacy": { expect: officeOnly, request: (w) => ({ path: { customerId: w.f.customerId } }) },
  "GET /privacy/customers": { expect: officeOnly, request: (w) => ({ query: { ref: w.f.customerRef } }) },
  "PUT /customers/{customerId}/legal-hold": { expect: officeOnly, request: (w) => ({ path: { customerId: w.f.customerId }, body: { held: true, reason: `Litige de la matrice ${w.n}` } }) },
  "POST /customers/{customerId}/erasure-requests": { expect: officeOnly, ok: [409], request: (w) => ({ path: { customerId: w.f.customerId }, body: { requestedOn: TEST_TODAY, reference: `Demande de la matrice ${w.n}` } }) },

  // ---- statement of account and hand-over to a bailiff (statement.test.ts, hand-over.test.ts) -------------------
  "GET /customers/{customerId}/statement.pdf": { expect: sitesScoped, request: (w) => ({ path: { customerId: w.f.customerId } }) },
  // Queued once per customer and date; a customer without an e-mail address: 409 once the role and site are checked.
  "POST /customers/{customerId}/statement/email": { expect: officeAndManagerScoped, ok: [202, 409], request: (w) => ({ path: { customerId: w.f.customerId }, body: {} }) },
  "GET /hand-over-recipients": { expect: officeOnly },
  "POST /hand-over-recipients": { expect: officeOnly, ok: [201], request: (w) => ({ body: { kind: "bailiff", name: `Étude de la matrice ${w.n}`, address: "1 quai de Saône, 69005 Lyon", email: null } }) },
  "PUT /hand-over-recipients/{id}": { expect: officeOnly, request: async () => ({ path: { id: await matrixRecipient() }, body: { email: "etude@matrice.test" } }) },
  // The office alone hands a case over; each request is about a case of its own (handOverCaseOf), never the fixtures'.
  "POST /cases/{caseId}/hand-over": { expect: officeOnly, ok: [201, 409], request: async (w) => ({ path: { caseId: await handOverCaseOf(w.f, 1) }, body: { recipientId: await matrixRecipient() } }) },
  "GET /hand-overs": { expect: officeAndManager },
  "GET /hand-overs/{id}/zip": { expect: officeAndManagerScoped, request: async (w) => ({ path: { id: await handOverOf(w.f) } }) },

  // ---- two-factor sign-in (last: its wrong codes count as failed sign-ins) -----------------------------------
  // The second step of a sign-in, with a challenge nobody was given: gone (410) for everyone alike.
  "POST /auth/login/code": { expect: publicRoute, ok: [410], request: () => ({ body: { challenge: "c".repeat(43), code: "123456" } }) },
  "POST /auth/login/enrol/start": { expect: publicRoute, ok: [410], request: () => ({ body: { challenge: "c".repeat(43) } }) },
  "POST /auth/login/enrol": { expect: publicRoute, ok: [410], request: () => ({ body: { challenge: "c".repeat(43), code: "123456" } }) },
  "GET /auth/two-factor": { expect: anySignedIn },
  // Office and Managers only: a site manager is refused.
  "POST /auth/two-factor/start": { expect: officeAndManager },
  // One's own second factor, office and Managers: after /start, a wrong code (401 INVALID_CREDENTIALS).
  "POST /auth/two-factor/enable": { expect: officeAndManager, ok: [400, 401, 410], request: () => ({ body: { code: "000000" } }) },
  "POST /auth/two-factor/recovery-codes": { expect: anySignedIn, ok: [409], request: () => ({ body: { code: "000000" } }) },
  // Nothing to turn off: answered with one's status.
  "POST /auth/two-factor/disable": { expect: anySignedIn, request: (w) => ({ body: { password: w.person?.password ?? "x", code: "000000" } }) },
  // The office alone resets someone's lost second factor, whoever's: 403 to a Manager even for his own site.
  "POST /users/{id}/two-factor/reset": { expect: officeOnly, ok: [409], request: (w) => ({ path: { id: w.f.targetUserId } }) },
};

// ---- hand-overs: made on cases other than the fixtures' (a case handed over is left alone from then on) ----------

let recipientMade: Promise<string> | undefined;
function matrixRecipient(): Promise<string> {
  recipientMade ??= call(server.url, "POST", "/api/hand-over-recipients", {
    cookie: people.office.cookie,
    body: { kind: "agency", name: "Recouvrement Matrice", address: "2 rue de la Matrice, 69003 Lyon", email: "contact@matrice.test" },
  }).then((r) => r.body.id as string);
  return recipientMade;
}

/** The n-th open case of the site's customers who owe and are not the fixtures' nor waiting for an approval. */
async function handOverCaseOf(f: SiteFixtures, n: number): Promise<string> {
  const rows = await server.services.db.all<{ id: string }>(sql`
    select k.id from cases k where k.status = 'open' and k.customer_id not in (${own.customerId}, ${other.customerId})
      and k.customer_id in (select ct.customer_id from contracts ct join units u on u.id = ct.unit_id where u.site_id = ${f.siteId}
                            except select ct.customer_id from contracts ct join units u on u.id = ct.unit_id where u.site_id <> ${f.siteId})
      and not exists (select 1 from planned_actions pa where pa.customer_id = k.customer_id and pa.status = 'awaiting_approval')
      and (select coalesce(sum(amount_cents), 0) from invoices where customer_id = k.customer_id and due_date <= ${TEST_TODAY})
        > (select coalesce(sum(amount_cents), 0) from payments where customer_id = k.customer_id and status = 'ok')
    order by k.id limit 2`);
  return rows[n]!.id;
}

const handOversMade = new Map<string, Promise<string>>();
/** A hand-over of the site's (made once, by the office). */
function handOverOf(f: SiteFixtures): Promise<string> {
  if (!handOversMade.has(f.code)) {
    handOversMade.set(
      f.code,
      (async () => {
        const res = await call(server.url, "POST", `/api/cases/${await handOverCaseOf(f, 0)}/hand-over`, { cookie: people.office.cookie, body: { recipientId: await matrixRecipient() } });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        return res.body.id as string;
      })(),
    );
  }
  return handOversMade.get(f.code)!;
}

// ---- set-up: the people, and one object of each kind on each site ---------------------------------------------

async function fixturesOf(code: "LYO" | "VIL", siteId: string, floor: string, office: string, targetUserId: string): Promise<SiteFixtures> {
  const db = server.services.db;
  // A padlock placed with its photo: an evidence record in an open case, and a photo of this site.
  const pulled = await call<{ docs: DebtorDoc[] }>(server.url, "POST", "/api/sync/pull", { cookie: floor, body: { clientId: uuidv7(), cursor: null, page: null } });
  const doc = pulled.body.docs.find((d) => d.case?.status === "open" && d.units.some((u) => u.padlock === "none"))!;
  const unitId = doc.units.find((u) => u.padlock === "none")!.id;
  const photo = pngImage(code === "LYO" ? 300 : 301, 200);
  const photoSha = createHash("sha256").update(photo).digest("hex");
  const pushed = await call(server.url, "POST", "/api/sync/push", {
    cookie: floor,
    body: { clientId: uuidv7(), mutations: [{ id: uuidv7(), seq: 1, v: MUTATION_VERSION, kind: "padlock.placed", payload: { unitId, photos: [photoSha] }, happenedAt: TEST_NOW.toISOString() }] },
  });
  expect(pushed.body.results[0].status).toBe("applied");
  const put = await fetch(`${server.url}/api/blobs/${photoSha}`, { method: "PUT", headers: { cookie: floor }, body: photo as unknown as BodyInit });
  expect(put.status).toBe(200);

  const approvals = await json("/api/approvals", office);
  const item = approvals.body.items.find((i: { sites: string[]; step: string }) => i.sites.length === 1 && i.sites[0] === code && i.step === "R2-notice");
  const ofSite = sql`customer_id in (select ct.customer_id from contracts ct join units u on u.id = ct.unit_id where u.site_id = ${siteId})`;
  const message = async (channel: string, status: string) =>
    (await db.all<{ id: string }>(sql`select id from messages where ${ofSite} and channel = ${channel} and status = ${status} order by id limit 1`))[0]!.id;
  const queuedLetter = await message("letter", "queued");
  const printed = await call(server.url, "POST", "/api/letters/print", { cookie: office, body: { ids: [queuedLetter] } });
  expect(printed.status, JSON.stringify(printed.body)).toBe(200);
  const [fee] = await db.all<{ ref: string }>(sql`select ref from invoices where ${ofSite} and source = 'cadenas'`);
  return {
    code,
    siteId,
    customerId: doc.customerId,
    customerRef: doc.ref,
    caseId: doc.case!.id,
    unitId,
    photoSha,
    approvalIds: item.actions.map((a: { id: string }) => a.id),
    sentEmailId: await message("email", "queued"),
    failedEmailId: await message("email", "failed"),
    printedLetterId: queuedLetter,
    batchFile: `${printed.body.batch.id}.pdf`,
    registeredLetterId: await message("registered_letter", "sent"),
    feeRef: fee!.ref,
    targetUserId,
  };
}

/** Ids, refs and names found only in VIL's data, which no answer to someone of LYO may hold. */
async function collectMarkers(lyo: string, vil: string): Promise<void> {
  const db = server.services.db;
  const onlyVil = sql`(select ct.customer_id from contracts ct join units u on u.id = ct.unit_id where u.site_id = ${vil}
    except select ct.customer_id from contracts ct join units u on u.id = ct.unit_id where u.site_id = ${lyo})`;
  const lyoNames = new Set((await db.all<{ name: string }>(sql`select c.name from customers c join contracts ct on ct.customer_id = c.id join units u on u.id = ct.unit_id where u.site_id = ${lyo}`)).map((r) => r.name));
  for (const c of await db.all<{ id: string; ref: string; name: string }>(sql`select id, ref, name from customers where id in ${onlyVil}`)) {
    markers.set(c.id, "a VIL customer's id");
    markers.set(`"${c.ref}"`, "a VIL customer's ref");
    markers.set(`;${c.ref};`, "a VIL customer's ref");
    if (!lyoNames.has(c.name)) markers.set(c.name, "a VIL customer's name");
  }
  const ids = async (what: string, query: ReturnType<typeof sql>) => {
    for (const r of await db.all<{ id: string }>(query)) markers.set(r.id, what);
  };
  await ids("a VIL case", sql`select id from cases where customer_id in ${onlyVil}`);
  await ids("a VIL message", sql`select id from messages where customer_id in ${onlyVil}`);
  await ids("a VIL unit", sql`select id from units where site_id = ${vil}`);
  await ids("a VIL invoice ref", sql`select ref as id from invoices where customer_id in ${onlyVil} and source = 'cadenas'`);
  await ids("a user of VIL only", sql`select user_id as id from user_sites where site_id = ${vil} except select user_id from user_sites where site_id = ${lyo}`);
  await ids("a VIL phone's set-aside action", sql`select id from set_aside_mutations where user_id in (select user_id from user_sites where site_id = ${vil} except select user_id from user_sites where site_id = ${lyo})`);
  markers.set(other.photoSha, "a VIL photo");
  markers.set(other.batchFile.replace(".pdf", ""), "a VIL letter batch");
}

beforeAll(async () => {
  // The daily run plans at start what the office decides (approvals, letters to print, a fee to enter).
  server = await startTestServer({ env: { ENGINE_AT: "06:00", BREVO_WEBHOOK_TOKEN: WEBHOOK_TOKEN } });
  const db = server.services.db;
  await vi.waitFor(
    async () => {
      const done = await db.select().from(engineRuns).where(and(eq(engineRuns.asOf, TEST_TODAY), isNotNull(engineRuns.finishedAt)));
      if (done.length !== 1) throw new Error("today's run has not finished yet");
    },
    { timeout: 20_000, interval: 100 },
  );
  const office = await signIn(server.url, "bureau@demo.test");
  const floorLyo = await signIn(server.url, "gestionnaire@demo.test");
  const floorVil = await signIn(server.url, "gestionnaire2@demo.test");
  const me = await json("/api/auth/me", office);
  const siteIds = Object.fromEntries(me.body.user.sites.map((s: { code: string; id: string }) => [s.code, s.id])) as Record<"LYO" | "VIL", string>;

  // A Manager of LYO only, invited by the office and signed in through the link.
  const invite = async (body: object) => {
    const res = await call(server.url, "POST", "/api/users", { cookie: office, body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { user: { id: string }; link: string };
  };
  const made = await invite({ name: "Manon Matrice", email: "manon.matrice@exemple.fr", initials: "MMX", role: "manager", siteIds: [siteIds.LYO] });
  const chosen = await call(server.url, "POST", "/api/auth/password/choose", { body: { token: made.link.split("#t=")[1], password: STRONG } });
  expect(chosen.status).toBe(200);
  const targetLyo = await invite({ name: "Cible Lyon", email: "cible.lyon@exemple.fr", initials: "CLY", role: "site_manager", siteIds: [siteIds.LYO] });
  const targetVil = await invite({ name: "Cible Villeurbanne", email: "cible.vil@exemple.fr", initials: "CVI", role: "site_manager", siteIds: [siteIds.VIL] });
  people = {
    siteManager: { email: "gestionnaire@demo.test", password: "demo", cookie: floorLyo },
    manager: { email: "manon.matrice@exemple.fr", password: STRONG, cookie: await signIn(server.url, "manon.matrice@exemple.fr", STRONG) },
    office: { email: "bureau@demo.test", password: "demo", cookie: office },
  };
  foreignSession = { ofOffice: sessionIdOf(office), ofSiteManager: sessionIdOf(floorLyo) };

  own = await fixturesOf("LYO", siteIds.LYO, floorLyo, office, targetLyo.user.id);
  other = await fixturesOf("VIL", siteIds.VIL, floorVil, office, targetVil.user.id);
  // The e-mails waiting go out to the local folder: each site has one sent, with its file.
  await sendDueMessages(db, transportsFor(server.services.config), { id: "matrix-worker", timeZone: "Europe/Paris", now: () => server.services.clock.now() });
  for (const f of [own, other]) {
    const logo = await fetch(`${server.url}/api/sites/${f.siteId}/logo`, { method: "PUT", headers: { cookie: office, "content-type": "image/png" }, body: pngImage(120, 40) as unknown as BodyInit });
    expect(logo.status).toBe(200);
  }
  // Each site's phone set an action aside: the office's list shows a Manager only his sites' phones.
  for (const floor of [floorLyo, floorVil]) {
    const res = await call(server.url, "POST", "/api/sync/set-aside", { cookie: floor, body: { clientId: uuidv7(), mutations: [{ id: uuidv7(), seq: 1, kind: "note.added", faults: 3, lastError: "panne" }] } });
    expect(res.status).toBe(204);
  }
  const templates = await json("/api/templates", office);
  const letterTemplate = templates.body.templates.find((t: { letter?: unknown }) => t.letter);
  template = { code: letterTemplate.code, body: TemplateBody.parse(letterTemplate) };
  const scenarios = await json("/api/scenarios", office);
  scenario = { code: scenarios.body.scenarios[0].code, body: ScenarioBody.parse(scenarios.body.scenarios[0]) };
  importRunId = (await json("/api/imports", office)).body.runs[0].id;
  await collectMarkers(siteIds.LYO, siteIds.VIL);
  writes = await watchWrites(db);
}, 120_000);
afterAll(() => server?.close());

// ---- the matrix, one test a route ---------------------------------------------------------------------------

function personOf(column: Column): Person | null {
  if (column === "anonymous") return null;
  if (column === "office") return people.office;
  return column.startsWith("siteManager") ? people.siteManager : people.manager;
}

const HELD_TO_ONE_SITE: ReadonlySet<Column> = new Set(["siteManagerOwn", "siteManagerOther", "managerOwn", "managerOther"]);

/** Every route's answers to the six columns; the wrong ones, named. */
async function runLine(key: string): Promise<string[]> {
  const line = MATRIX[key]!;
  const [method, path] = key.split(" ") as [string, string];
  const problems: string[] = [];
  for (const column of COLUMNS) {
    const person = personOf(column);
    const who: Who = { column, person, f: column.endsWith("Own") || column === "anonymous" ? own : other, n: counter++ };
    const req = line.request ? await line.request(who) : {};
    await writes.reset();
    const answer = await send(server.url, method, path, req, person?.cookie);
    const wrong = judge(line.expect[column], answer, line.ok);
    if (wrong) problems.push(`${column}: ${wrong}`);
    if (answer.status >= 200 && answer.status < 300 && HELD_TO_ONE_SITE.has(column)) {
      const found = leaks(answer.text, markers, JSON.stringify([req.path, req.query, req.body]));
      if (found.length > 0) problems.push(`${column}: answered data of another site: ${found.slice(0, 3).join(", ")}`);
    }
    // Neither a read nor a refusal changes anything (the session's last use and audit lines aside).
    const refused = typeof line.expect[column] === "number";
    if (method === "GET" || refused) {
      const written = await writes.written();
      if (written.length > 0) problems.push(`${column}: ${refused ? "a refused request" : "a GET"} wrote data: ${written.join(", ")}`);
    }
    if (!wrong && line.expect[column] === "ok" && line.after) await line.after(who, answer);
  }
  return problems;
}

// Reads first, on the data as set up; then the changes, in the matrix's order (a deactivation before the
// reactivation, two-factor last).
const ORDER = Object.keys(MATRIX).sort((a, b) => Number(!a.startsWith("GET ")) - Number(!b.startsWith("GET ")));

describe("the authorization matrix", () => {
  it("has one line for every route of /api/openapi.json and of the server, and no line for a route that is gone", async () => {
    const doc = await json("/api/openapi.json", people.office.cookie);
    expect(doc.status).toBe(200);
    const documented = Object.entries(doc.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    // Routes declared without the OpenAPI document (a plain app.get) must have their line too.
    const served = createApp(server.services)
      .routes.filter((r) => r.method !== "ALL" && r.path.startsWith("/api/"))
      .map((r) => `${r.method} ${r.path.slice(4).replace(/:(\w+)/g, "{$1}")}`);
    const routes = new Set([...documented, ...served]);
    expect([...routes].filter((r) => !(r in MATRIX)).sort(), "routes without their line in the matrix").toEqual([]);
    expect(Object.keys(MATRIX).filter((k) => !routes.has(k)).sort(), "matrix lines for routes that no longer exist").toEqual([]);
  });

  // The checks made on every answer see what they look for, else a leak or a write would pass unseen.
  it("sees the other site's data in an answer that holds it, and a change in the database", async () => {
    for (const path of ["/today", "/messages", "/users", "/sync/set-aside", "/billing/to-enter.csv"]) {
      const res = await send(server.url, "GET", path, {}, people.office.cookie);
      expect(leaks(res.text, markers, "").length, `the office's ${path}`).toBeGreaterThan(0);
    }
    await writes.reset();
    expect((await call(server.url, "PUT", "/api/settings", { cookie: people.office.cookie, body: { sepaRejectFeeCents: 1500 } })).status).toBe(200);
    expect((await writes.written()).join()).toMatch(/ settings/);
  });

  for (const key of ORDER) {
    it(key, async () => {
      expect(await runLine(key)).toEqual([]);
    });
  }
});
