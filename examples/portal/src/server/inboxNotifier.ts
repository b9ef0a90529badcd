import { existsSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { type Actor, isEligibleApprover, type Notification, type NotifierPort } from '@publishgate/core';

/** The in-app inbox: a `NotifierPort` that keeps notifications for the portal to show, and logs each one. */
export type InboxNotifier = NotifierPort & {
  /** Notifications addressed to this actor (to them by id, or to admins when they are one), newest first. */
  forActor(actor: Actor, limit?: number): Notification[];
  /** Every notification received, oldest first. */
  all(): Notification[];
};

/**
 * Creates the demo's notifier. Where a real portal would send email or chat messages, this one
 * appends to `file` (one JSON object per line, so the inbox survives restarts), prints a line,
 * and serves the inbox page. Deliveries are at-least-once, so it deduplicates by notification id.
 */
export async function createInboxNotifier(options: { file: string; log?: (line: string) => void }): Promise<InboxNotifier> {
  const log = options.log ?? ((line: string) => console.log(line));
  const byId = new Map<string, Notification>();
  if (existsSync(options.file)) {
    for (const line of (await readFile(options.file, 'utf8')).split('\n')) {
      if (line.trim() === '') continue;
      try {
        const notification = JSON.parse(line) as Notification;
        byId.set(notification.id, notification);
      } catch {
        // A line cut short by a crash mid-append; the outbox delivers that notification again.
      }
    }
  }
  // One append at a time, so concurrent deliveries never interleave their lines.
  let writing: Promise<void> = Promise.resolve();
  return {
    async notify(notification) {
      if (byId.has(notification.id)) return;
      byId.set(notification.id, notification);
      const line = `${JSON.stringify(notification)}\n`;
      const append = writing.catch(() => undefined).then(() => appendFile(options.file, line));
      writing = append;
      try {
        await append;
      } catch (error) {
        // Not stored: forget it so the outbox's retry is not mistaken for a duplicate.
        byId.delete(notification.id);
        throw error;
      }
      const to = 'email' in notification.to ? notification.to.email : 'role' in notification.to ? 'admins' : 'approvers';
      const subdomain = typeof notification.data.subdomain === 'string' ? ` ${notification.data.subdomain}` : '';
      log(`[inbox] ${notification.type}${subdomain} → ${to}`);
    },
    forActor(actor, limit = 50) {
      const isAdmin = actor.roles.includes('admin');
      return [...byId.values()]
        .filter((notification) => {
          const { to } = notification;
          if ('email' in to) return to.userId === actor.id;
          return 'role' in to ? isAdmin : isEligibleApprover({ requiredApprovals: 1, approvers: to.approvers }, actor);
        })
        .sort((a, b) => (a.occurredAt < b.occurredAt ? 1 : a.occurredAt > b.occurredAt ? -1 : 0))
        .slice(0, limit);
    },
    all: () => [...byId.values()],
  };
}
