import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actions, tasks } from "../../server/cases/cases.sql";
import { users } from "../../server/auth/auth.sql";
import { recordAction, type Who } from "../../client/store/record";
import { shown } from "../../client/store/views";
import { SyncEngine } from "../../client/store/sync";
import { SimulatedPhone } from "../support/phone";
import { addDays } from "../../shared/dates";
import { signIn, startTestServer, TEST_TODAY, type TestServer } from "../support/server";

// The phone's real store and sync engine against the real server: what the floor app does, without the screen.

let server: TestServer;
let vt: Who & { cookie: string };

beforeAll(async () => {
  server = await startTestServer();
  const [user] = await server.services.db.select().from(users).where(eq(users.email, "gestionnaire@demo.test"));
  vt = { userId: user!.id, initials: "VT", timeZone: "Europe/Paris", cookie: await signIn(server.url, "gestionnaire@demo.test") };
});
afterAll(() => server.close());

async function storedOnServer(ids: string[]) {
  return server.services.db.select().from(actions).where(inArray(actions.mutationId, ids));
}

describe("the phone's store and sync", () => {
  it("writes nothing the list of every debtor follows when a pass finds nothing new", async () => {
    const phone = new SimulatedPhone(server.url, vt.cookie);
    expect(await phone.engine.syncOnce(vt)).toBe("synced");
    // *Aujourd'hui*'s list reads every debtor (thousands on a big site) each time the cursor or the pass's outcome
    // is written, whatever the value: a pass that finds nothing new must write neither.
    const written: string[] = [];
    phone.db.meta.hook("creating", (key) => void written.push(String(key)));
    phone.db.meta.hook("updating", (_changes, key) => void written.push(String(key)));
    phone.db.debtors.hook("creating", (key) => void written.push(`debtor ${String(key)}`));
    phone.db.debtors.hook("updating", (_changes, key) => void written.push(`debtor ${String(key)}`));
    expect(await phone.engine.syncOnce(vt)).toBe("synced");
    expect(written.filter((k) => k === "cursor" || k === "lastOutcome" || k.startsWith("debtor "))).toEqual([]);

    phone.online = false;
    expect(await phone.engine.syncOnce(vt)).toBe("offline");
    expect(written).toContain("lastOutcome");
  });

  it("saves actions with no signal, shows them at once, and sends each once when the signal comes back", async () => {
    const phone = new SimulatedPhone(server.url, vt.cookie);
    expect(await phone.engine.syncOnce(vt)).toBe("synced");
    const debtors = await phone.db.debtors.toArray();
    expect(debtors.length).toBeGreaterThan(10);
    const target = debtors.find((d) => d.base.units.some((u) => u.padlock === "none"))!;
    const unit = target.base.units.find((u) => u.padlock === "none")!;

    phone.online = false;
    const made = [
      await recordAction(phone.db, vt, "call.logged", { customerId: target.customerId, outcome: "no_answer" }, server.services.clock.now()),
      await recordAction(phone.db, vt, "promise.made", { customerId: target.customerId, promisedOn: addDays(TEST_TODAY, 6), amountCents: 9_000 }, server.services.clock.now()),
      await recordAction(phone.db, vt, "padlock.placed", { unitId: unit.id, padlockNumber: "777", photos: ["a".repeat(64)] }, server.services.clock.now()),
    ];
    const local = shown((await phone.db.debtors.get(target.customerId))!);
    expect(local.history.slice(0, 3).map((h) => h.id).sort()).toEqual(made.map((m) => m.id).sort());
    expect(local.history.slice(0, 3).every((h) => h.pending)).toBe(true);
    expect(local.units.find((u) => u.id === unit.id)!.padlock).toBe("second_padlock");
    expect(local.promise).toMatchObject({ promisedOn: addDays(TEST_TODAY, 6), amountCents: 9_000 });

    expect(await phone.engine.syncOnce(vt)).toBe("offline");
    expect(await phone.pending()).toBe(3);
    expect(await storedOnServer(made.map((m) => m.id))).toEqual([]);

    phone.online = true;
    expect(await phone.engine.syncOnce(vt)).toBe("synced");
    expect(await phone.pending()).toBe(0);
    expect(await storedOnServer(made.map((m) => m.id))).toHaveLength(3);
    const synced = shown((await phone.db.debtors.get(target.customerId))!);
    expect(synced.history.filter((h) => made.some((m) => m.id === h.id)).every((h) => !h.pending)).toBe(true);
    expect((await phone.db.debtors.get(target.customerId))!.view).toBeNull();
  });

  it("sends again after an answer lost on the way back, and the server keeps one copy", async () => {
    const phone = new SimulatedPhone(server.url, vt.cookie);
    await phone.engine.syncOnce(vt);
    const target = (await phone.db.debtors.toArray())[0]!;
    const m = await recordAction(phone.db, vt, "note.added", { customerId: target.customerId, text: "réponse perdue" });

    // The request reaches the server, the answer never reaches the phone.
    const real = phone.transport();
    const lossy = new SyncEngine(phone.db, { post: async (path, body) => (await real.post(path, body), { ok: false, error: "connection reset" }) });
    expect(await lossy.syncOnce(vt)).toBe("offline");
    expect(await phone.pending()).toBe(1);
    expect(await storedOnServer([m.id])).toHaveLength(1);

    expect(await phone.engine.syncOnce(vt)).toBe("synced");
    expect(await phone.pending()).toBe(0);
    expect(await storedOnServer([m.id])).toHaveLength(1);
  });

  it("keeps a refused action, with the reason, until the user has read it, and takes back its effect", async () => {
    const a = new SimulatedPhone(server.url, vt.cookie);
    const b = new SimulatedPhone(server.url, vt.cookie);
    await a.engine.syncOnce(vt);
    await b.engine.syncOnce(vt);
    const target = (await a.db.debtors.toArray()).find((d) => d.base.units.some((u) => u.padlock === "second_padlock"))!;
    const unit = target.base.units.find((u) => u.padlock === "second_padlock")!;

    await recordAction(a.db, vt, "padlock.removed", { unitId: unit.id }, new Date(server.services.clock.now().getTime() + 1_000));
    const late = await recordAction(b.db, vt, "padlock.removed", { unitId: unit.id }, new Date(server.services.clock.now().getTime() + 2_000));
    expect(await a.engine.syncOnce(vt)).toBe("synced");
    expect(await b.engine.syncOnce(vt)).toBe("synced");
    expect(await a.engine.syncOnce(vt)).toBe("synced");

    expect(await b.pending()).toBe(0);
    const [refused] = await b.db.rejected.toArray();
    expect(refused).toMatchObject({ id: late.id, reason: { code: "CONFLICT" }, summary: `Double cadenas retiré du box ${unit.number}` });
    expect(refused!.reason.message).toMatch(/^Aucun double cadenas à retirer/);
    // Both phones show the box without its padlock and both events, the second marked as not taken into account.
    for (const phone of [a, b]) {
      const doc = shown((await phone.db.debtors.get(target.customerId))!);
      expect(doc.units.find((u) => u.id === unit.id)!.padlock).toBe("none");
      expect(doc.history.find((h) => h.id === late.id)?.rejectedReason).toMatch(/Aucun double cadenas/);
    }
  });

  it("sets a malformed action aside with the field at fault and sends the others", async () => {
    const phone = new SimulatedPhone(server.url, vt.cookie);
    await phone.engine.syncOnce(vt);
    const target = (await phone.db.debtors.toArray())[0]!;
    const good = await recordAction(phone.db, vt, "note.added", { customerId: target.customerId, text: "bonne" });
    const bad = await recordAction(phone.db, vt, "note.added", { customerId: target.customerId, text: "mauvaise" });
    // An older app version could have written what the server no longer accepts.
    await phone.db.outbox.where("id").equals(bad.id).modify((e) => {
      (e.payload as { text: string }).text = "";
    });
    expect(await phone.engine.syncOnce(vt)).toBe("synced");
    expect(await phone.pending()).toBe(0);
    expect((await phone.db.rejected.get(bad.id))!.reason).toEqual({ code: "MALFORMED", message: "Action invalide, refusée par le serveur : payload.text : must not be empty" });
    expect(await storedOnServer([good.id, bad.id])).toHaveLength(1);
  });

  it("keeps the outbox through a lost session and sends it after signing in again", async () => {
    const phone = new SimulatedPhone(server.url, vt.cookie);
    await phone.engine.syncOnce(vt);
    const target = (await phone.db.debtors.toArray())[0]!;
    const m = await recordAction(phone.db, vt, "note.added", { customerId: target.customerId, text: "après reconnexion" });
    phone.cookie = "cadenas_session=expired";
    expect(await phone.engine.syncOnce(vt)).toBe("signed-out");
    expect(await phone.pending()).toBe(1);
    phone.cookie = await signIn(server.url, "gestionnaire@demo.test");
    expect(await phone.engine.syncOnce(vt)).toBe("synced");
    expect(await storedOnServer([m.id])).toHaveLength(1);
  });

  it("completes the open call task on the phone as soon as a call is logged", async () => {
    const phone = new SimulatedPhone(server.url, vt.cookie);
    await phone.engine.syncOnce(vt);
    const withCall = (await phone.db.debtors.toArray()).find((d) => d.base.tasks.some((t) => t.kind === "call" && t.status === "open"));
    if (!withCall) return expect.fail("demo data has an open call task at LYO");
    phone.online = false;
    await recordAction(phone.db, vt, "call.logged", { customerId: withCall.customerId, outcome: "answered" });
    expect(shown((await phone.db.debtors.get(withCall.customerId))!).tasks.filter((t) => t.kind === "call" && t.status === "open")).toEqual([]);
    phone.online = true;
    await phone.engine.syncOnce(vt);
    const open = await server.services.db.select().from(tasks).where(eq(tasks.customerId, withCall.customerId));
    expect(open.filter((t) => t.kind === "call" && t.status === "open")).toEqual([]);
  });
});
