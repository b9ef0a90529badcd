/** One dispatched Server-Sent Event. */
export type SseMessage = {
  /** The stream's last event id after this message (the `id:` field, sticky across messages). */
  lastEventId: string | undefined;
  /** The `event:` field, `message` when absent. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
};

/**
 * An incremental parser for the `text/event-stream` format as the HTML standard defines it:
 * CR, LF or CRLF line ends (also split across chunks), `:` comments, one optional space after the
 * colon, multi-line data, `retry:` hints. Written here because browsers' EventSource cannot send
 * custom headers or be driven over `fetch`.
 */
export function createSseParser(handlers: { onMessage: (message: SseMessage) => void; onRetry?: (ms: number) => void }) {
  let buffer = '';
  let skipLeadingLf = false;
  let lastEventId: string | undefined;
  let event = '';
  let data: string[] = [];

  function line(text: string) {
    if (text === '') {
      if (data.length > 0) handlers.onMessage({ lastEventId, event: event || 'message', data: data.join('\n') });
      event = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id') {
      if (!value.includes('\u0000')) lastEventId = value;
    } else if (field === 'retry' && /^\d+$/.test(value)) handlers.onRetry?.(Number(value));
  }

  return {
    /** Feeds decoded text; complete lines are processed, the rest waits for the next chunk. */
    push(chunk: string) {
      let text = chunk;
      if (skipLeadingLf && text.startsWith('\n')) text = text.slice(1);
      skipLeadingLf = false;
      buffer += text;
      let start = 0;
      for (let index = 0; index < buffer.length; index += 1) {
        const char = buffer[index];
        if (char !== '\n' && char !== '\r') continue;
        line(buffer.slice(start, index));
        if (char === '\r') {
          if (index + 1 === buffer.length) skipLeadingLf = true;
          else if (buffer[index + 1] === '\n') index += 1;
        }
        start = index + 1;
      }
      buffer = buffer.slice(start);
    },
  };
}
