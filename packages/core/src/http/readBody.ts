import { PublishGateError } from '../errors.js';

/**
 * True for `application/json` with optional parameters (`; charset=utf-8`). Anything else is
 * refused on mutations: HTML forms and `no-cors` fetches can only send "simple" content types, so
 * insisting on JSON means a cross-site page cannot make a logged-in browser mutate anything.
 */
export function isJsonContentType(value: string | null): boolean {
  if (value === null) return false;
  const [type = ''] = value.split(';');
  return type.trim().toLowerCase() === 'application/json';
}

/**
 * Reads a JSON request body of at most `maxBytes` bytes. The limit is enforced while the stream is
 * read (a missing or lying `content-length` does not help), and the rest is never buffered. An
 * empty body reads as `{}` so that routes whose fields are all optional accept no body at all.
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  const text = await readText(request, maxBytes);
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    // Never echo the body: it may be large or carry something sensitive.
    throw new PublishGateError('validation', 'The request body is not valid JSON.', {
      issues: [{ path: '(body)', message: 'invalid JSON' }],
    });
  }
}

/** The body as UTF-8 text; `payload_too_large` past `maxBytes`, read no further. */
export async function readText(request: Request, maxBytes: number): Promise<string> {
  if (request.body === null) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await readChunk(reader);
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      // Stop the upload instead of draining it; the connection may be dropped by the adapter.
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new PublishGateError('validation', 'The request body is not valid UTF-8.', {
      issues: [{ path: '(body)', message: 'invalid UTF-8' }],
    });
  }
}

/**
 * A body stream fails when the client hangs up mid-upload (or its connection breaks). That is the
 * client's doing, not a server fault: a 400 that nobody will read, never a reported 500.
 */
async function readChunk(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<ReadableStreamReadResult<Uint8Array>> {
  try {
    return await reader.read();
  } catch (error) {
    throw new PublishGateError('validation', 'The request body ended before it was complete.', {
      issues: [{ path: '(body)', message: 'cut short' }],
      cause: error,
    });
  }
}

function tooLarge(maxBytes: number): PublishGateError {
  return new PublishGateError('payload_too_large', `The request body is larger than ${maxBytes} bytes.`);
}
