import { IDBFactory, IDBKeyRange } from "fake-indexeddb";
import { v7 as uuidv7 } from "uuid";
import { CadenasDB } from "../../client/store/db";
import { ACCEPT_LINES, answerOf } from "../../client/store/ndjson";
import { SyncEngine, type Transport, type TransportAnswer } from "../../client/store/sync";

/**
 * A phone simulated in Node: the client's real store (Dexie, on an in-memory IndexedDB) and its real sync
 * engine, talking HTTP to a real server. Its network can be cut.
 */
export class SimulatedPhone {
  readonly db = new CadenasDB(`phone-${uuidv7()}`, { indexedDB: new IDBFactory(), IDBKeyRange });
  online = true;
  readonly engine: SyncEngine;

  constructor(
    private baseUrl: string,
    public cookie: string,
  ) {
    this.engine = new SyncEngine(this.db, this.transport());
  }

  transport(): Transport {
    return {
      post: async (path, body): Promise<TransportAnswer> => {
        if (!this.online) return { ok: false, error: "offline" };
        try {
          const res = await fetch(`${this.baseUrl}${path}`, {
            method: "POST",
            // Asked and read as the app's transport does: pull pages as JSON lines (client/store/ndjson.ts).
            headers: { cookie: this.cookie, "content-type": "application/json", ...(path === "/api/sync/pull" ? { accept: ACCEPT_LINES } : {}) },
            body: JSON.stringify(body),
          });
          return await answerOf(res);
        } catch (e) {
          return { ok: false, error: String(e) };
        }
      },
    };
  }

  pending() {
    return this.db.outbox.count();
  }
}
