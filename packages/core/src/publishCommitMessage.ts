import type { Workspace } from './schemas/domain.js';

/**
 * The message of the commit a request pins: a summary line, the builder's note, and a
 * `Publish-Request: <id>` trailer that ties the commit to its request.
 */
export function publishCommitMessage(workspace: Workspace, subdomain: string, requestId: string, note: string | undefined): string {
  const body = note ? `\n\n${note}` : '';
  return `Publish ${workspace.name} to ${subdomain}${body}\n\nPublish-Request: ${requestId}\n`;
}

/**
 * The message of the commit a rollback request pins: what it brings back, the note, and the same
 * `Publish-Request:` trailer, followed by `Rollback-Of: <earlier request id>`.
 */
export function rollbackCommitMessage(
  workspace: Workspace,
  subdomain: string,
  requestId: string,
  rollbackOf: string,
  note: string | undefined,
): string {
  const body = note ? `\n\n${note}` : '';
  return `Roll back ${workspace.name} on ${subdomain} to the version of request ${rollbackOf}${body}\n\nPublish-Request: ${requestId}\nRollback-Of: ${rollbackOf}\n`;
}

/**
 * The request id in the last `Publish-Request:` trailer of a commit message, or undefined. Git
 * adapters use it to tell the commit of another request from this one's (see `GitPort.commit`).
 *
 * @example
 * ```ts
 * publishRequestIdOf('Publish Shop to shop\n\nPublish-Request: req-1\n'); // 'req-1'
 * ```
 */
export function publishRequestIdOf(message: string): string | undefined {
  const lines = message.trimEnd().split('\n');
  for (let index = lines.length - 1; index >= 0 && lines[index] !== ''; index -= 1) {
    const match = /^Publish-Request:\s*(\S.*)$/.exec(lines[index] as string);
    if (match) return (match[1] as string).trim();
  }
  return undefined;
}
