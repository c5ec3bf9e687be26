import type { AddressInfo } from "node:net";
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerSession } from "smtp-server";

// SMTP relays that answer the way real ones do (RFC 5321 reply codes, with RFC 3463 enhanced codes as Postfix and
// the big submission services word them), built on the `smtp-server` package: a relay that wants AUTH and refuses
// the credentials (535 5.7.8), one that refuses the sender (550 5.7.1 at MAIL FROM), one that greylists (451 4.7.1
// at RCPT TO for a sender/recipient pair it has not seen lately, then accepts), one that refuses to relay (554 5.7.1
// at RCPT TO), and two that stall: before the message (RCPT TO never answered) and after it (the reply to the end of
// DATA never comes — RFC 5321 §6.1's case where the sender cannot know whether the message was taken).

export interface RelayBehaviour {
  /** The relay wants AUTH and accepts only these credentials (anything else: 535). */
  auth?: { user: string; pass: string };
  refuseSender?: boolean;
  greylist?: boolean;
  refuseRelay?: boolean;
  stallBeforeData?: boolean;
  stallAfterData?: boolean;
  /** Called with each message's Cadenas id once its data is in, before the relay answers: delays it as long as it likes. */
  beforeAnswer?: (id: string) => Promise<void> | void;
}

export interface Relay {
  url: string;
  /** What it may change while running (a relay fixed by its operator, a stall that ends). */
  behaviour: RelayBehaviour;
  /** Each message whose data it took, by `X-Cadenas-Message` (once per DATA received, so a second send shows). */
  received: string[];
  /** Raw head (headers) of each message taken, by id. */
  heads: Map<string, string>;
  /** The commands it answered, in order (`MAIL FROM`, `RCPT TO`, `DATA`, `AUTH`), with the reply code. */
  log: string[];
  /** Connections open at this moment, and the most at once. */
  connections: { now: number; most: number };
  close(): Promise<void>;
}

const refusal = (code: number, text: string) => Object.assign(new Error(text), { responseCode: code });

export async function startRelay(behaviour: RelayBehaviour = {}): Promise<Relay> {
  const received: string[] = [];
  const heads = new Map<string, string>();
  const log: string[] = [];
  const connections = { now: 0, most: 0 };
  const seenPairs = new Set<string>();
  const server = new SMTPServer({
    name: "relay.test",
    disabledCommands: ["STARTTLS"],
    authOptional: !behaviour.auth,
    allowInsecureAuth: true,
    authMethods: ["PLAIN", "LOGIN"],
    logger: false,
    size: 30 * 1024 * 1024,
    onConnect(_session, callback) {
      connections.now++;
      connections.most = Math.max(connections.most, connections.now);
      callback();
    },
    onClose() {
      connections.now--;
    },
    onAuth(auth: SMTPServerAuthentication, _session: SMTPServerSession, callback) {
      const want = behaviour.auth;
      if (want && auth.username === want.user && auth.password === want.pass) {
        log.push("AUTH 235");
        return callback(null, { user: auth.username });
      }
      log.push("AUTH 535");
      callback(refusal(535, "5.7.8 Error: authentication failed: authentication failure"));
    },
    onMailFrom(address, _session, callback) {
      if (behaviour.refuseSender) {
        log.push("MAIL FROM 550");
        return callback(refusal(550, `5.7.1 <${address.address}>: Sender address rejected: not owned by user`));
      }
      log.push("MAIL FROM 250");
      callback();
    },
    onRcptTo(address, session, callback) {
      if (behaviour.stallBeforeData) {
        log.push("RCPT TO (no answer)");
        return; // never answers
      }
      if (behaviour.refuseRelay) {
        log.push("RCPT TO 554");
        return callback(refusal(554, `5.7.1 <${address.address}>: Relay access denied`));
      }
      const pair = `${session.envelope.mailFrom && session.envelope.mailFrom.address}|${address.address}`;
      if (behaviour.greylist && !seenPairs.has(pair)) {
        seenPairs.add(pair);
        log.push("RCPT TO 451");
        return callback(refusal(451, "4.7.1 <" + address.address + ">: Recipient address rejected: Greylisted, please try again later"));
      }
      log.push("RCPT TO 250");
      callback();
    },
    onData(stream, _session, callback) {
      let head = "";
      stream.on("data", (chunk: Buffer) => {
        if (head.length < 8192) head += chunk.toString("utf8");
      });
      stream.on("end", async () => {
        const id = /X-Cadenas-Message: (\S+)/i.exec(head)?.[1] ?? "?";
        received.push(id);
        heads.set(id, head.split(/\r?\n\r?\n/)[0]!);
        if (behaviour.stallAfterData) {
          log.push("DATA (no answer)");
          return; // the message is in; the answer never comes
        }
        await behaviour.beforeAnswer?.(id);
        log.push("DATA 250");
        callback(null, `2.0.0 Ok: queued as ${id.slice(-8)}`);
      });
    },
  });
  // A client killed mid-conversation (the tests kill servers while they send) resets its connection: smtp-server
  // reports it as an 'error' event, which with no listener would be an uncaught exception in the test run.
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: behaviour.auth ? `smtp://${encodeURIComponent(behaviour.auth.user)}:wrong-password@127.0.0.1:${port}` : `smtp://127.0.0.1:${port}`,
    behaviour,
    received,
    heads,
    log,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        // Stalled sessions would keep it open: drop them.
        for (const connection of (server as unknown as { connections: Set<{ close(): void }> }).connections) connection.close();
        server.close(() => resolve());
      }),
  };
}
