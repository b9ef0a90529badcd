import type { Approver, Notification, NotifierPort } from '@publishgate/core';
import { type RenderedEmail, renderEmail } from './emailMessage.js';
import { EmailNotifyError } from './emailNotifyError.js';

/** The message handed to the transport: the subset of nodemailer's mail options this notifier sets. */
export type EmailMessage = {
  /** The configured sender. */
  from: string;
  /** The admin addresses, the builder's email, or the approvers' addresses. */
  to: string[];
  /** One line, control characters removed. */
  subject: string;
  /** The plain-text part. */
  text: string;
  /** The HTML part. */
  html: string;
  /** The same for every attempt at one notification, so mail systems can drop a retried duplicate. */
  messageId: string;
  /** `X-Publishgate-Event`, `X-Publishgate-Notification` and `Auto-Submitted: auto-generated`. */
  headers: Record<string, string>;
};

/** What sends mail: a nodemailer transporter (`nodemailer.createTransport(...)`) fits as it is. */
export type EmailTransport = {
  /** Sends one message; resolves once the server accepted it. */
  sendMail(message: EmailMessage): Promise<unknown>;
};

/** Options for {@link createEmailNotifier}. */
export type EmailNotifierOptions = {
  /** A nodemailer transporter, e.g. `nodemailer.createTransport({ host, port, auth })`. */
  transport: EmailTransport;
  /** Sender, e.g. `'Publishing <publishing@portal.example>'`. */
  from: string;
  /** Recipients of admin notifications (new requests, failures, withdrawals). */
  adminAddresses: readonly string[];
  /**
   * Addresses of a request's approvers (user ids and roles from its approval rule), for reminders.
   * Default: `adminAddresses`. An empty answer falls back to `adminAddresses` too, so a reminder
   * always reaches someone.
   */
  approverAddresses?: (approvers: readonly Approver[], notification: Notification) => readonly string[] | Promise<readonly string[]>;
  /** Changes or replaces the email; receives the default rendering. Escape your own values with `escapeHtml`. */
  render?: (notification: Notification, email: RenderedEmail) => RenderedEmail;
  /** Link to the review page when a notification carries no `data.requestUrl`. */
  requestUrl?: (notification: Notification) => string | undefined;
  /** Put before every subject. Default `[publishgate]`. */
  subjectPrefix?: string;
  /** Return `false` to skip a notification (it counts as delivered). Default: deliver all. */
  filter?: (notification: Notification) => boolean;
};

// Nodemailer error codes that mean "try again later" rather than "fix the configuration".
const RETRYABLE_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNRESET', 'ECONNREFUSED', 'EPROTOCOL']);

/**
 * A notifier that emails each notification as plain text and HTML through a nodemailer transport:
 * admin notifications to `adminAddresses`, builder notifications to the builder's email. Every
 * value from the notification is escaped in the HTML part and kept to one line where it must be
 * (subjects, names). Each notification keeps one Message-ID across retries. When the server
 * refuses or cannot be reached, `notify` rejects with an {@link EmailNotifyError} and the outbox
 * retries later.
 *
 * @example
 * ```ts
 * import nodemailer from 'nodemailer';
 * import { createEmailNotifier } from '@publishgate/notify-email';
 *
 * const notifier = createEmailNotifier({
 *   transport: nodemailer.createTransport({ host: 'smtp.example.com', port: 587, auth: { user, pass } }),
 *   from: 'Publishing <publishing@portal.example>',
 *   adminAddresses: ['platform-team@example.com'],
 * });
 * ```
 */
export function createEmailNotifier(options: EmailNotifierOptions): NotifierPort {
  if (!options.transport || typeof options.transport.sendMail !== 'function') {
    throw new TypeError('createEmailNotifier: transport must be a nodemailer transporter (or have sendMail)');
  }
  const domain = senderDomain(options.from);
  if (!domain) throw new TypeError('createEmailNotifier: from must contain an email address');
  const admins = [...options.adminAddresses];
  if (admins.length === 0 || admins.some((address) => !isAddress(address))) {
    throw new TypeError('createEmailNotifier: adminAddresses must list at least one email address');
  }

  async function recipientsOf(notification: Notification): Promise<string[]> {
    const { to } = notification;
    if ('email' in to) return [to.email];
    if ('role' in to || !options.approverAddresses) return admins;
    const addresses = (await options.approverAddresses(to.approvers, notification)).filter(isAddress);
    return addresses.length > 0 ? [...new Set(addresses)] : admins;
  }

  return {
    async notify(notification, notifyOptions = {}) {
      if (options.filter && !options.filter(notification)) return;
      // nodemailer cannot cancel a send in flight; an abort is honoured before it starts.
      if (notifyOptions.signal?.aborted) {
        throw new EmailNotifyError('email delivery aborted before sending', { code: 'EABORTED', retryable: true });
      }
      const defaults = renderEmail(notification, {
        requestUrl: options.requestUrl?.(notification),
        ...(options.subjectPrefix === undefined ? {} : { subjectPrefix: options.subjectPrefix }),
      });
      const email = options.render ? options.render(notification, defaults) : defaults;
      const to = await recipientsOf(notification);
      const message: EmailMessage = {
        from: options.from,
        to,
        // A rendering hook might put a line break in; in a subject that would start a new header.
        // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is removed
        subject: email.subject.replace(/[\u0000-\u001f\u007f]+/g, ' '),
        text: email.text,
        html: email.html,
        messageId: `<publishgate.${token(notification.id)}@${domain}>`,
        headers: {
          'X-Publishgate-Event': token(notification.type),
          'X-Publishgate-Notification': token(notification.id),
          // RFC 3834: tells out-of-office responders not to answer.
          'Auto-Submitted': 'auto-generated',
        },
      };
      try {
        await options.transport.sendMail(message);
      } catch (error) {
        throw toEmailError(error);
      }
    },
  } satisfies NotifierPort;
}

function toEmailError(error: unknown): EmailNotifyError {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    originalCode?: unknown;
    responseCode?: unknown;
    command?: unknown;
  };
  const code = typeof shape.code === 'string' && /^[A-Z_]{1,32}$/.test(shape.code) ? shape.code : 'EUNKNOWN';
  const responseCode = typeof shape.responseCode === 'number' ? shape.responseCode : undefined;
  const command = typeof shape.command === 'string' && /^[A-Z ]{1,20}$/.test(shape.command) ? shape.command : undefined;
  // nodemailer folds every socket failure into ESOCKET/ECONNECTION; the network code underneath
  // (ECONNREFUSED, ETIMEDOUT, ENOTFOUND) is what tells an operator where to look.
  const network =
    typeof shape.originalCode === 'string' && /^E[A-Z_]{1,31}$/.test(shape.originalCode) && shape.originalCode !== code
      ? shape.originalCode
      : undefined;
  // SMTP 4xx is a temporary refusal; 5xx is permanent (bad recipient, policy, failed login).
  const retryable = responseCode !== undefined ? responseCode >= 400 && responseCode < 500 : RETRYABLE_CODES.has(code);
  const detail = [responseCode === undefined ? undefined : `SMTP ${responseCode}`, command ? `after ${command}` : undefined]
    .filter(Boolean)
    .join(' ');
  // Only codes go into the message: server replies can quote addresses and, after AUTH, more.
  return new EmailNotifyError(`email delivery failed: ${code}${network ? ` ${network}` : ''}${detail ? ` (${detail})` : ''}`, {
    code,
    retryable,
    ...(responseCode === undefined ? {} : { responseCode }),
  });
}

function senderDomain(from: string): string | undefined {
  const address = /<([^<>\s]+)>\s*$/.exec(from)?.[1] ?? from.trim();
  if (!isAddress(address)) return undefined;
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

function isAddress(value: string): boolean {
  return typeof value === 'string' && /^[^\s@<>,;"]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(value);
}

// Ids and types go into headers: keep them to characters no header parser can misread.
function token(value: string): string {
  return String(value)
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .slice(0, 128);
}
