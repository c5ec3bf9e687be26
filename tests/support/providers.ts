import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from "smtp-server";

// Real providers started in the test process: an SMTP server (the `smtp-server` package) that keeps and parses
// what it receives. Brevo's SMS API is in `brevo.ts`.

export interface SmtpSink {
  url: string;
  received: ParsedMail[];
  close(): Promise<void>;
}

export async function startSmtpSink(
  options: {
    /** An SMTP reply code to refuse a recipient with (550: no such mailbox; 451: try later), or undefined to accept. */
    refuse?: (address: string) => number | undefined;
    /** Called once a message is taken (before the server answers 250). */
    onMessage?: (mail: ParsedMail) => void;
    parse?: boolean;
  } = {},
): Promise<SmtpSink> {
  const received: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    size: 30 * 1024 * 1024,
    onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const code = options.refuse?.(address.address);
      if (code) {
        const error = new Error(code >= 500 ? "Mailbox unavailable" : "Try again later") as Error & { responseCode: number };
        error.responseCode = code;
        return callback(error);
      }
      callback();
    },
    onData(stream, _session, callback) {
      if (options.parse === false) {
        stream.on("data", () => {});
        stream.on("end", () => {
          received.push({} as ParsedMail);
          callback();
        });
        return;
      }
      simpleParser(stream)
        .then((mail) => {
          received.push(mail);
          options.onMessage?.(mail);
          callback();
        })
        .catch((e: Error) => callback(e));
    },
  });
  // A client killed mid-conversation (the tests kill servers while they send) resets its connection: smtp-server
  // reports it as an 'error' event, which with no listener would be an uncaught exception in the test run.
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
