import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerDataStream } from 'smtp-server';

/** A message the server accepted, parsed, with the SMTP envelope it came with. */
export type Received = { mail: ParsedMail; envelope: { from: string; to: string[] }; raw: string };

/** Lets a test refuse a message: return an SMTP reply code and text, or undefined to accept. */
export type Refusal = () => { code: number; message: string } | undefined;

/**
 * An SMTP server on 127.0.0.1 (the `smtp-server` package) that parses what it receives with
 * `mailparser`. Plain text only: no STARTTLS, so nodemailer must be told `ignoreTLS`. With `auth`,
 * logins are checked against that user and password.
 */
export async function startSmtpStandIn(options: { auth?: { user: string; pass: string } } = {}) {
  const received: Received[] = [];
  let refusal: Refusal | undefined;
  const server = new SMTPServer({
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    authOptional: !options.auth,
    logger: false,
    onAuth(auth: SMTPServerAuthentication, _session, callback) {
      if (auth.username === options.auth?.user && auth.password === options.auth?.pass) return callback(null, { user: auth.username });
      callback(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
    },
    onData(stream: SMTPServerDataStream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const refused = refusal?.();
        if (refused) return callback(Object.assign(new Error(refused.message), { responseCode: refused.code }));
        const raw = Buffer.concat(chunks).toString('utf8');
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const to = session.envelope.rcptTo.map((rcpt) => rcpt.address);
        simpleParser(raw).then(
          (mail) => {
            received.push({ mail, envelope: { from, to }, raw });
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
  return {
    port,
    received,
    refuseWith(next: Refusal | undefined) {
      refusal = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
