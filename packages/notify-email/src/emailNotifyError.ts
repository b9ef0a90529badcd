/**
 * Why an email delivery failed. `notify` rejects with it, so the outbox retries later; `retryable`
 * says whether a retry can help (server unreachable, SMTP 4xx) or someone must act first (SMTP 5xx:
 * unknown recipient, refused sender, failed login). The message holds only codes, never the server's
 * reply or credentials, so it is safe to log and to store as the outbox row's last error.
 */
export class EmailNotifyError extends Error {
  override readonly name = 'EmailNotifyError';
  /** nodemailer's error code (`ECONNECTION`, `EAUTH`, `EENVELOPE`, `EMESSAGE`, …), or `EABORTED`. */
  readonly code: string;
  /** Whether retrying later can succeed without someone changing the configuration. */
  readonly retryable: boolean;
  /** The SMTP reply code, when the server refused. */
  readonly responseCode?: number;

  constructor(message: string, details: { code: string; retryable: boolean; responseCode?: number }) {
    super(message);
    this.code = details.code;
    this.retryable = details.retryable;
    if (details.responseCode !== undefined) this.responseCode = details.responseCode;
  }
}
