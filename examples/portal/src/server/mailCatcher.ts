// DEV-ONLY: the SMTP server of the demo's email channel. A real portal gives `createEmailNotifier`
// a transport to its mail provider; the demo catches the messages on loopback instead, so that the
// channel runs without the internet and nobody is mailed.
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';

/** One message the catcher accepted. */
export type CaughtMail = {
  /** Arrival order, from 1. */
  seq: number;
  /** The SMTP envelope: who sent it, and every recipient. */
  from: string;
  to: string[];
  /** The decoded subject. */
  subject: string;
  /** When it arrived (ISO). */
  receivedAt: string;
};

/** A running catcher. */
export type MailCatcher = {
  host: '127.0.0.1';
  port: number;
  /** What arrived, newest first. */
  messages(): CaughtMail[];
  close(): Promise<void>;
};

/**
 * Starts an SMTP server on 127.0.0.1 (`smtp-server`, plain text: no TLS, no login) that accepts
 * every message and keeps its envelope and subject for the admin page.
 *
 * @example
 * ```ts
 * const mail = await startMailCatcher();
 * const transport = nodemailer.createTransport({ host: mail.host, port: mail.port, secure: false, ignoreTLS: true });
 * ```
 */
export async function startMailCatcher(options: { keep?: number; clock?: () => Date } = {}): Promise<MailCatcher> {
  const keep = options.keep ?? 500;
  const clock = options.clock ?? (() => new Date());
  const caught: CaughtMail[] = [];
  let seq = 0;
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onData(stream: SMTPServerDataStream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        simpleParser(Buffer.concat(chunks)).then(
          (mail) => {
            seq += 1;
            caught.unshift({
              seq,
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((recipient) => recipient.address),
              subject: mail.subject ?? '',
              receivedAt: clock().toISOString(),
            });
            caught.length = Math.min(caught.length, keep);
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    host: '127.0.0.1',
    port,
    messages: () => caught.map((mail) => ({ ...mail, to: [...mail.to] })),
    close() {
      closed ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return closed;
    },
  };
}
