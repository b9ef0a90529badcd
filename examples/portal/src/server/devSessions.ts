// DEV-ONLY STAND-IN FOR YOUR REAL AUTHENTICATION.
// Anyone who can reach the demo can sign in as any demo user by clicking a name. A real portal
// gets the actor from its own session (SSO, OIDC, ...) and passes it to publishgate the same way
// `actorFromCookie` does here.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type DemoUser, findUser } from './demoData.js';

/** Name of the dev-only session cookie. */
export const SESSION_COOKIE = 'publishgate_demo_user';

/** Signs and reads the demo's session cookie: `<user id>.<HMAC of it>`, so the browser cannot forge another user id. */
export type DevSessions = {
  /** The `Set-Cookie` value that signs `userId` in. */
  signIn(userId: string): string;
  /** The `Set-Cookie` value that signs out. */
  signOut(): string;
  /** The demo user of a `Cookie` header, or null. */
  userFromCookie(cookieHeader: string | null | undefined): DemoUser | null;
};

/** Creates the dev-only sessions, keyed by `secret` (kept in the data folder so sign-ins survive restarts). */
export function createDevSessions(secret: string): DevSessions {
  const sign = (value: string) => createHmac('sha256', secret).update(value).digest('base64url');
  const attributes = 'Path=/; HttpOnly; SameSite=Strict';
  return {
    signIn(userId) {
      return `${SESSION_COOKIE}=${userId}.${sign(userId)}; ${attributes}; Max-Age=${60 * 60 * 24 * 7}`;
    },
    signOut() {
      return `${SESSION_COOKIE}=; ${attributes}; Max-Age=0`;
    },
    userFromCookie(cookieHeader) {
      const value = readCookie(cookieHeader, SESSION_COOKIE);
      if (!value) return null;
      const dot = value.lastIndexOf('.');
      if (dot <= 0) return null;
      const userId = value.slice(0, dot);
      const given = Buffer.from(value.slice(dot + 1));
      const expected = Buffer.from(sign(userId));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      return findUser(userId) ?? null;
    },
  };
}

function readCookie(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
