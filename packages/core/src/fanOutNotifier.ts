import { PublishGateError } from './errors.js';
import type { NotifierPort } from './ports/notifier.js';
import { channelNameSchema, type Notification } from './schemas/domain.js';

/** One named channel of a {@link fanOutNotifier}. */
export type NotifierChannel = {
  /** Stable name, stored on each outbox row of this channel and shown on its dead letters (`[a-z0-9_-]`, 1–64). */
  name: string;
  /** Delivers this channel's notifications. */
  notifier: NotifierPort;
};

/**
 * A notifier made of named channels. Given to `createPublishGate` as `notifier`, each notification
 * becomes one outbox row per channel, written in the same atomic write, and each row is delivered,
 * retried and dead-lettered through its own channel only.
 */
export type FanOutNotifier = NotifierPort & {
  /** The channels, in the order given. */
  readonly channels: readonly NotifierChannel[];
};

const FAN_OUT = Symbol.for('publishgate.fanOutNotifier');

/**
 * Combines several notifiers so that each keeps its own delivery state: when one receiver is down,
 * only its rows are retried (and in the end dead-lettered, listed with their `channel`); the other
 * channels deliver exactly once. Refuses an empty list, a bad name or a repeated name with
 * `validation`.
 *
 * Give it to the gate as it is: a wrapper around it is an ordinary notifier (one row per
 * notification). Called directly (outside a gate), `notify` delivers to every channel and rejects
 * if any failed, after every channel was tried; the gate does the same for rows written before it
 * fanned out (they have no channel).
 *
 * @example
 * ```ts
 * const gate = createPublishGate({
 *   // ...
 *   notifier: fanOutNotifier([
 *     { name: 'slack', notifier: createSlackNotifier({ token, adminChannel: 'C0ADMINS' }) },
 *     { name: 'email', notifier: createEmailNotifier({ transport, from: 'publishgate@example.com', adminAddresses }) },
 *     { name: 'webhook', notifier: createWebhookNotifier({ url: 'https://hooks.example.com/publishgate', secret }) },
 *   ]),
 * });
 * // A dead letter now names its channel; redeliver tries that channel alone:
 * // await gate.redeliver({ id, channel: 'email', actor });
 * ```
 */
export function fanOutNotifier(channels: readonly NotifierChannel[]): FanOutNotifier {
  if (!Array.isArray(channels) || channels.length === 0) {
    throw new PublishGateError('validation', 'fanOutNotifier needs at least one channel.', {
      issues: [{ path: 'channels', message: 'must name at least one channel' }],
    });
  }
  const seen = new Set<string>();
  const list = channels.map((channel, index): NotifierChannel => {
    const name = channelNameSchema.safeParse(channel?.name);
    if (!name.success) {
      throw new PublishGateError('validation', `fanOutNotifier: channel ${index} has no valid name.`, {
        issues: [{ path: `channels.${index}.name`, message: name.error.issues[0]?.message ?? 'invalid' }],
      });
    }
    if (seen.has(name.data)) {
      throw new PublishGateError('validation', `fanOutNotifier: channel name "${name.data}" is used twice.`, {
        issues: [{ path: `channels.${index}.name`, message: 'must be unique' }],
      });
    }
    if (typeof channel.notifier?.notify !== 'function') {
      throw new PublishGateError('validation', `fanOutNotifier: channel "${name.data}" has no notifier.`, {
        issues: [{ path: `channels.${index}.notifier`, message: 'must have a notify method' }],
      });
    }
    seen.add(name.data);
    return { name: name.data, notifier: channel.notifier };
  });

  const fanOut = {
    channels: Object.freeze(list),
    async notify(notification: Notification, options?: { signal?: AbortSignal }) {
      const results = await Promise.allSettled(list.map((channel) => channel.notifier.notify(notification, options)));
      const failed = results.flatMap((result, index) =>
        result.status === 'rejected' ? [{ name: list[index]?.name, error: result.reason }] : [],
      );
      if (failed.length === 0) return;
      const error = new AggregateError(
        failed.map((failure) => failure.error),
        `Notifier channel(s) ${failed.map((failure) => failure.name).join(', ')} failed.`,
      );
      // Worth retrying while any failed channel may still succeed.
      const retryable = failed.some((failure) => (failure.error as { retryable?: unknown } | null)?.retryable !== false);
      throw Object.assign(error, { retryable });
    },
  };
  Object.defineProperty(fanOut, FAN_OUT, { value: true });
  return fanOut;
}

/** Whether a notifier was made by {@link fanOutNotifier} (the gate then keeps one outbox row per channel). */
export function isFanOutNotifier(notifier: unknown): notifier is FanOutNotifier {
  return typeof notifier === 'object' && notifier !== null && (notifier as Record<symbol, unknown>)[FAN_OUT] === true;
}
