import { PublishGateError, type PublishGateErrorCode } from '../errors.js';

// Every response is private to the caller and must never be sniffed into HTML.
const COMMON_HEADERS: Record<string, string> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

/** Headers added to every response of the handler, merged under `extra`. */
export function baseHeaders(extra: Record<string, string> = {}): Headers {
  return new Headers({ ...COMMON_HEADERS, ...extra });
}

/** A JSON response with the common headers. */
export function jsonResponse(body: unknown, status = 200, extra: Record<string, string> = {}): Response {
  // `undefined` is not JSON; a facade call that returns nothing answers `null`.
  return new Response(JSON.stringify(body ?? null), {
    status,
    headers: baseHeaders({ 'content-type': 'application/json; charset=utf-8', ...extra }),
  });
}

/** An `{ error: { code, message } }` response. */
export function errorResponse(
  code: PublishGateErrorCode,
  message: string,
  status: number,
  extra: { headers?: Record<string, string>; issues?: PublishGateError['issues'] } = {},
): Response {
  const error = extra.issues ? { code, message, issues: extra.issues } : { code, message };
  return jsonResponse({ error }, status, extra.headers);
}

/**
 * Turns anything thrown while serving a request into a response. A PublishGateError keeps its
 * code and message (they are written for callers); for `port_failed` only the port and operation
 * are named, because an adapter's message can describe internal hosts or paths. Anything else is
 * a bug or an outage: a generic 500, the details go to `report` only.
 */
export function responseForError(error: unknown, report: (error: unknown) => void): Response {
  if (PublishGateError.is(error)) {
    if (error.code === 'port_failed') {
      report(error);
      const where = error.port ? ` (${error.port}${error.operation ? `.${error.operation}` : ''})` : '';
      return errorResponse('port_failed', `A backend service failed${where}; try again later.`, 502);
    }
    return errorResponse(error.code, error.message, error.status, error.issues ? { issues: error.issues } : {});
  }
  report(error);
  return errorResponse('internal', 'Internal server error.', 500);
}
