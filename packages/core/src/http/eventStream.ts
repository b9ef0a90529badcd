import type { PublishGate } from '../gate/types.js';
import type { Actor, AuditEntry } from '../schemas/domain.js';

/** Timing of `GET /events` streams. */
export type EventStreamOptions = {
  /** A `: ping` comment line this often keeps proxies from closing an idle stream. Default 15 s. */
  heartbeatMs?: number;
  /**
   * Reads storage this often even without a wake-up, in case a change notification was lost or
   * the storage cannot watch (`StoragePort.watchAudit`). Default 5 s.
   */
  pollMs?: number;
  /** Reconnect delay suggested to clients in the stream's `retry:` field. Default 2 s. */
  retryMs?: number;
  /** A client that lets this many frames queue up unread is disconnected (it resumes later). Default 1,000. */
  maxQueuedFrames?: number;
};

type ResolvedStreamOptions = Required<EventStreamOptions>;

/** Fills in the defaults of {@link EventStreamOptions}. */
export function resolveStreamOptions(options: EventStreamOptions = {}): ResolvedStreamOptions {
  return {
    heartbeatMs: options.heartbeatMs ?? 15_000,
    pollMs: options.pollMs ?? 5_000,
    retryMs: options.retryMs ?? 2_000,
    maxQueuedFrames: options.maxQueuedFrames ?? 1_000,
  };
}

const PAGE = 500;

/**
 * Tracks how far the audit history is known to reach, so that a new stream without
 * `Last-Event-ID` does not page through everything that happened before it. Any `seq` one stream
 * saw is a valid start for every other stream: storage never makes an entry with a smaller `seq`
 * visible later.
 */
export function createHighWaterMark() {
  let seen = 0;
  return {
    observe(seq: number) {
      if (seq > seen) seen = seq;
    },
    /** The last `seq` visible to `actor` now (entries of others may lie beyond it; they are not theirs). */
    async currentEnd(gate: PublishGate, actor: Actor): Promise<number> {
      let after = seen;
      for (;;) {
        const page = await gate.history({ actor, afterSeq: after, limit: 1_000 });
        const last = page.items[page.items.length - 1];
        if (last) after = last.seq;
        if (page.nextAfterSeq === null) break;
      }
      if (after > seen) seen = after;
      return after;
    },
  };
}

/** What one stream needs from its handler. */
export type EventStreamArgs = {
  gate: PublishGate;
  actor: Actor;
  /** Send entries with a larger `seq` than this. */
  afterSeq: number;
  options: ResolvedStreamOptions;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
  /** Told about storage failures while streaming; the stream stays open and retries on the next wake-up. */
  report: (error: unknown) => void;
  /** Told about every `seq` sent. */
  observe: (seq: number) => void;
  /** Every open stream's close function, so the handler can end them all on shutdown. */
  open: Set<() => void>;
};

/**
 * The body of a `GET /events` response. It serves everything from storage in audit order (never
 * from in-process events), so any server instance can serve any client, and a reconnect with
 * `Last-Event-ID` resumes exactly. `gate.history` applies the visibility rules: builders only get
 * entries about themselves. Wake-ups (`gate.onChange`, the poll timer) are coalesced into one
 * read loop at a time.
 */
export function createEventStream(args: EventStreamArgs): ReadableStream<Uint8Array> {
  const { gate, actor, options, signal, report, observe, open } = args;
  const encoder = new TextEncoder();
  let afterSeq = args.afterSeq;
  let closed = false;
  let reading = false;
  let readAgain = false;
  let output: ReadableStreamDefaultController<Uint8Array> | undefined;
  const timers: Array<ReturnType<typeof setInterval>> = [];
  let stopWatching = () => {};

  function close() {
    if (closed) return;
    closed = true;
    open.delete(close);
    for (const timer of timers) clearInterval(timer);
    stopWatching();
    signal.removeEventListener('abort', close);
    try {
      output?.close();
    } catch {
      // Already closed or errored by the consumer.
    }
  }

  function send(text: string) {
    if (closed || !output) return;
    // A client that stopped reading would make us buffer without bound; drop it, it can resume.
    if (output.desiredSize !== null && output.desiredSize < -options.maxQueuedFrames) {
      close();
      return;
    }
    output.enqueue(encoder.encode(text));
  }

  async function read() {
    if (closed) return;
    if (reading) {
      readAgain = true;
      return;
    }
    reading = true;
    try {
      do {
        readAgain = false;
        for (;;) {
          const page = await gate.history({ actor, afterSeq, limit: PAGE });
          if (closed) return;
          for (const entry of page.items) {
            send(frame(entry));
            afterSeq = entry.seq;
          }
          observe(afterSeq);
          if (page.nextAfterSeq === null) break;
        }
      } while (readAgain && !closed);
    } catch (error) {
      report(error);
    } finally {
      reading = false;
    }
  }

  return new ReadableStream<Uint8Array>({
    start(controller) {
      output = controller;
      if (signal.aborted) {
        close();
        return;
      }
      signal.addEventListener('abort', close, { once: true });
      open.add(close);
      // The opening frame carries the start position as its id, so a client that reconnects
      // before any event arrived still resumes from here rather than from "now".
      send(`retry: ${options.retryMs}\nid: ${afterSeq}\nevent: ready\ndata: ${JSON.stringify({ lastEventId: String(afterSeq) })}\n\n`);
      stopWatching = gate.onChange(() => void read());
      timers.push(setInterval(() => void read(), options.pollMs));
      timers.push(setInterval(() => send(': ping\n\n'), options.heartbeatMs));
      // Catch up on anything stored between choosing the start and subscribing.
      void read();
    },
    cancel() {
      close();
    },
  });
}

function frame(entry: AuditEntry): string {
  // JSON.stringify escapes CR and LF, so the data is always exactly one line.
  return `id: ${entry.seq}\nevent: ${entry.type}\ndata: ${JSON.stringify(entry)}\n\n`;
}
