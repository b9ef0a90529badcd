// The portal's own small API (dev-only sign-in, workspace files, inbox, remote branches). The
// publish workflow itself goes through `@publishgate/core/client` and the React components.
import type { Notification, PublishRequest } from '@publishgate/core';
import type { CaughtMail } from '../server/mailCatcher.js';
import type { RemoteBranch } from '../server/remoteBranches.js';
import type { ReceivedWebhook } from '../server/webhookReceiver.js';

/** A demo user as the server describes it. */
export type PortalUser = { id: string; email: string; name: string; title: string; roles: Array<'builder' | 'admin'> };

/** A workspace the signed-in user may see, with its folder on the server. */
export type PortalWorkspace = { id: string; name: string; blueprintId: string; ownerId: string; ownerEmail: string; dir: string };

/** What the server says about the demo setup. */
export type PortalConfig = {
  /** Dev-only controls that play GitHub's part in local mode (for admins). */
  devControls: { simulateDeploy: boolean };
  /**
   * Each blueprint, with the builders who have a workspace made from it (its trust candidates) and
   * where its requests go: pull requests on GitHub, merge requests on GitLab.
   */
  blueprints: Array<{ id: string; name: string; description: string; host: 'github' | 'gitlab'; builderIds: string[] }>;
  builders: PortalUser[];
  remote:
    | {
        kind: 'local';
        /** The first blueprint's bare remote. */
        path: string;
        /** The emulated GitHub API. */
        pullRequests: string;
        /** The emulated GitLab instance. */
        gitLab: string;
        /** A bare remote and an emulated GitHub or GitLab repository per blueprint. */
        repositories: Array<{ blueprintId: string; host: 'github' | 'gitlab'; path: string; repository: string; pullRequests: string }>;
      }
    | { kind: 'github'; repository: string; webUrl: string };
};

/** A message the demo's SMTP catcher got (a type only). */
export type { CaughtMail } from '../server/mailCatcher.js';
/** A branch of the local bare remote, as the server describes it (a type only: no server code reaches the browser). */
export type { RemoteBranch } from '../server/remoteBranches.js';
/** A delivery the demo's webhook receiver got (a type only). */
export type { ReceivedWebhook } from '../server/webhookReceiver.js';

/** A failed portal API call, with the server's code. */
export class PortalApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'PortalApiError';
    this.status = status;
    this.code = code;
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`/api/portal${path}`, {
    method,
    credentials: 'same-origin',
    headers: method === 'GET' ? {} : { 'content-type': 'application/json' },
    body: method === 'GET' ? undefined : JSON.stringify(body ?? {}),
  });
  const json = (await response.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
  if (!response.ok) {
    throw new PortalApiError(response.status, json?.error?.code ?? 'internal', json?.error?.message ?? `HTTP ${response.status}`);
  }
  return json as T;
}

/** The portal API, one function per route. */
export const portalApi = {
  session: () => call<{ user: PortalUser | null; users: PortalUser[] }>('GET', '/session'),
  signIn: (userId: string) => call<{ user: PortalUser }>('POST', '/session', { userId }),
  signOut: () => call<{ user: null }>('DELETE', '/session'),
  config: () => call<PortalConfig>('GET', '/config'),
  workspaces: () => call<{ workspaces: PortalWorkspace[] }>('GET', '/workspaces'),
  files: (workspaceId: string) =>
    call<{ files: Array<{ path: string; size: number }>; truncated: boolean }>(
      'GET',
      `/workspaces/${encodeURIComponent(workspaceId)}/files`,
    ),
  readFile: (workspaceId: string, path: string) =>
    call<{ path: string; size: number; binary: boolean; content: string }>(
      'GET',
      `/workspaces/${encodeURIComponent(workspaceId)}/file?path=${encodeURIComponent(path)}`,
    ),
  writeFile: (workspaceId: string, path: string, content: string) =>
    call<{ path: string; size: number }>('PUT', `/workspaces/${encodeURIComponent(workspaceId)}/file`, { path, content }),
  deleteFile: (workspaceId: string, path: string) =>
    call<{ deleted: true }>('DELETE', `/workspaces/${encodeURIComponent(workspaceId)}/file`, { path }),
  inbox: () => call<{ items: Notification[] }>('GET', '/inbox'),
  /** DEV-ONLY (admins): what the demo's Standard Webhooks receiver and SMTP catcher got, newest first. */
  webhooks: () => call<{ receiver: string; items: ReceivedWebhook[]; mail: CaughtMail[] }>('GET', '/dev/webhooks'),
  /**
   * DEV-ONLY: merges the request's pull request on the emulator; on GitHub also marks its deployment
   * live. On GitLab (`mergeSha` given) the gate's next delivery poll, within `pollsEveryMs`, records the merge.
   */
  simulateDeploy: (requestId: string) =>
    call<{ request: PublishRequest; mergeSha?: string; pollsEveryMs?: number }>('POST', '/dev/simulate-deploy', { requestId }),
  branch: (name: string) => call<RemoteBranch>('GET', `/remote/branch?name=${encodeURIComponent(name)}`),
};
