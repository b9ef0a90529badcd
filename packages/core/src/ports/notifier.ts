import type { Notification } from '../schemas/domain.js';

/**
 * Delivers notifications (email, chat, webhooks). Called at least once per notification from the
 * outbox; the same `notification.id` may arrive again after a crash or timeout, so receivers
 * deduplicate by id. Rejecting schedules a retry; it never undoes the change that caused it.
 */
export interface NotifierPort {
  /** Delivers one notification; resolves once the receiver has accepted it. */
  notify(notification: Notification, options?: { signal?: AbortSignal }): Promise<void>;
}
