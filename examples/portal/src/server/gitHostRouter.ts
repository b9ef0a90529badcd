import { type GitHostPort, PublishGateError, type Workspace } from '@publishgate/core';
import { findBlueprint } from './demoData.js';

/**
 * The gate takes one `gitHost`; the demo's blueprints live on two hosts (GitHub and GitLab
 * emulators). Every `GitHostPort` method receives the workspace, so this routes each call to the
 * host of the workspace's blueprint. A real portal with repositories on both does the same. Polling
 * (`getPullRequest`) reaches both hosts; `getDeployment` only hosts that have it (GitLab's does
 * not yet, so a GitLab delivery ends at merged).
 */
export function routeGitHostByBlueprint(hosts: { github: GitHostPort; gitlab: GitHostPort }): GitHostPort {
  const hostOf = (workspace: Workspace | undefined): GitHostPort => {
    const blueprint = workspace ? findBlueprint(workspace.blueprintId) : undefined;
    if (!blueprint) throw new PublishGateError('validation', `No git host for workspace ${workspace?.id ?? '(none given)'}.`);
    return blueprint.host === 'gitlab' ? hosts.gitlab : hosts.github;
  };
  return {
    async openPullRequest(args) {
      return hostOf(args.workspace).openPullRequest(args);
    },
    async getPullRequest(args) {
      const host = hostOf(args.workspace);
      // A host that cannot read a pull request's state answers "still open": it changes nothing.
      if (!host.getPullRequest) return { state: 'open', merged: false };
      return host.getPullRequest(args);
    },
    async getDeployment(args) {
      const host = hostOf(args.workspace);
      return host.getDeployment ? host.getDeployment(args) : null;
    },
  } satisfies GitHostPort;
}
