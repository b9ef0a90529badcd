/**
 * Stable error codes. Each names one reason a call was refused; a refused call changes nothing.
 *
 * - `validation`: the input does not match its schema (bad id, email, subdomain syntax, feedback too long).
 * - `unauthorized`: the HTTP layer found no actor for the request.
 * - `forbidden`: the actor lacks the role or ownership the operation needs, or is reviewing their own request.
 * - `not_found`: no such request, or the actor may not see it.
 * - `conflict`: a stale `version`, a concurrent decision that won first, a reused idempotency key, or a remote branch moved by someone else.
 * - `invalid_transition`: the request's status does not allow the operation (approving a rejected request).
 * - `subdomain_unavailable`: the subdomain is reserved or owned by another workspace.
 * - `in_flight`: the workspace already has a request that is pending, approving or failed.
 * - `nothing_to_publish`: the workspace is identical to its baseline.
 * - `payload_too_large`: the HTTP layer refused a body over its size limit.
 * - `unsupported_media_type`: the HTTP layer refused a mutation that is not `application/json`.
 * - `method_not_allowed`: the HTTP layer knows the path but not the method (the `Allow` header lists those it knows).
 * - `port_failed`: a storage, git, git host or notifier adapter threw; `port`, `operation` and `cause` say which.
 * - `internal`: an unexpected error on the server (a bug); the response says nothing more.
 */
export type PublishGateErrorCode =
  | 'validation'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'invalid_transition'
  | 'subdomain_unavailable'
  | 'in_flight'
  | 'nothing_to_publish'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'method_not_allowed'
  | 'port_failed'
  | 'internal';

/** Every code, for exhaustive tables and runtime checks. */
export const publishGateErrorCodes: readonly PublishGateErrorCode[] = [
  'validation',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'invalid_transition',
  'subdomain_unavailable',
  'in_flight',
  'nothing_to_publish',
  'payload_too_large',
  'unsupported_media_type',
  'method_not_allowed',
  'port_failed',
  'internal',
];

/** The HTTP status each code maps to, used by the fetch handler and the client. */
export const httpStatusByCode: Readonly<Record<PublishGateErrorCode, number>> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_transition: 409,
  subdomain_unavailable: 409,
  in_flight: 409,
  nothing_to_publish: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  method_not_allowed: 405,
  port_failed: 502,
  internal: 500,
};

/** Which port an adapter failure came from. */
export type PortName = 'storage' | 'git' | 'gitHost' | 'notifier';

/** One problem in a rejected input, as zod reports it but without zod's types. */
export type ValidationIssue = { path: string; message: string };

/** Options accepted by {@link PublishGateError}. */
export type PublishGateErrorOptions = {
  /** The error that caused this one (an adapter's own error for `port_failed`). */
  cause?: unknown;
  /** For `port_failed`: the port that threw. */
  port?: PortName;
  /** For `port_failed`: the port method that threw. */
  operation?: string;
  /** For `validation`: each field that failed and why. */
  issues?: ValidationIssue[];
  /** Whether repeating the same call later may succeed (rate limits, unreachable remotes). */
  retryable?: boolean;
  /**
   * How long the other side asked to wait before the call is repeated (`retry-after`, or until a
   * rate limit resets), in ms. Automatic publish retries wait at least this long.
   */
  retryAfterMs?: number;
  /** The failure is a rate limit (shown to people as "waiting for the rate limit"). */
  rateLimited?: boolean;
};

/**
 * The one error type publishgate throws. Check `code`, never `message`.
 *
 * @example
 * ```ts
 * try {
 *   await gate.approve({ id, actor });
 * } catch (error) {
 *   if (PublishGateError.is(error, 'conflict')) showSomeoneDecidedFirst();
 *   else throw error;
 * }
 * ```
 */
export class PublishGateError extends Error {
  override readonly name = 'PublishGateError';
  /** Stable machine-readable reason; see {@link PublishGateErrorCode}. */
  readonly code: PublishGateErrorCode;
  /** For `port_failed`: the port that threw. */
  readonly port: PortName | undefined;
  /** For `port_failed`: the port method that threw. */
  readonly operation: string | undefined;
  /** For `validation`: each field that failed and why. */
  readonly issues: ValidationIssue[] | undefined;
  /** Whether repeating the same call later may succeed. */
  readonly retryable: boolean;
  /** How long the other side asked to wait before a repeat, in ms, when it said. */
  readonly retryAfterMs: number | undefined;
  /** The failure is a rate limit. */
  readonly rateLimited: boolean;

  constructor(code: PublishGateErrorCode, message: string, options: PublishGateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.port = options.port;
    this.operation = options.operation;
    this.issues = options.issues;
    this.retryable = options.retryable ?? (code === 'port_failed' || code === 'internal');
    this.retryAfterMs = options.retryAfterMs;
    this.rateLimited = options.rateLimited ?? false;
  }

  /** The HTTP status for this error's code. */
  get status(): number {
    return httpStatusByCode[this.code];
  }

  /** True when `error` is a PublishGateError, optionally with the given code. Works across bundle copies. */
  static is(error: unknown, code?: PublishGateErrorCode): error is PublishGateError {
    if (error instanceof PublishGateError) return code === undefined || error.code === code;
    // A second copy of the package (CJS next to ESM) makes instanceof fail; fall back to the shape.
    if (typeof error !== 'object' || error === null) return false;
    const candidate = error as { name?: unknown; code?: unknown };
    return (
      candidate.name === 'PublishGateError' &&
      typeof candidate.code === 'string' &&
      (publishGateErrorCodes as readonly string[]).includes(candidate.code) &&
      (code === undefined || candidate.code === code)
    );
  }

  /** A JSON-safe view: code and message only, so causes and credentials never leave the server. */
  toJSON(): { code: PublishGateErrorCode; message: string; issues?: ValidationIssue[] } {
    return this.issues ? { code: this.code, message: this.message, issues: this.issues } : { code: this.code, message: this.message };
  }
}
