/**
 * Why a Slack delivery failed. `notify` rejects with it, so the outbox retries later; `retryable`
 * says whether a retry can help (an outage, a rate limit) or a person must act first (a bad token,
 * a missing scope, the app not in the channel, a builder without a Slack account). The message and
 * fields never contain the token or the incoming-webhook URL, so the error is safe to log and to
 * store as the outbox row's last error.
 */
export class SlackNotifyError extends Error {
  override readonly name = 'SlackNotifyError';
  /** Slack's error code (`channel_not_found`, `invalid_auth`, …) or `http_error`, `rate_limited`, `request_failed`. */
  readonly code: string;
  /** The Slack method that failed (`chat.postMessage`, …) or `incoming-webhook`. */
  readonly method: string;
  /** Whether retrying later can succeed without someone changing the configuration. */
  readonly retryable: boolean;
  /** The HTTP status, when Slack answered with one other than 200. */
  readonly status?: number;
  /** Slack's `Retry-After`, in seconds, when it rate-limited the call. */
  readonly retryAfterSeconds?: number;

  constructor(message: string, details: { code: string; method: string; retryable: boolean; status?: number; retryAfterSeconds?: number }) {
    super(message);
    this.code = details.code;
    this.method = details.method;
    this.retryable = details.retryable;
    if (details.status !== undefined) this.status = details.status;
    if (details.retryAfterSeconds !== undefined) this.retryAfterSeconds = details.retryAfterSeconds;
  }
}
