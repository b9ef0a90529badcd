import { type GitHostPort, PublishGateError, type Workspace } from '@publishgate/core';
import { findBlueprint } from './demoData.js';

/**
 * The gate takes one `gitHost`; the demo's blueprints live on two hosts (GitHub and GitLab
 * emulators). Every `GitHostPort` method receives the workspace, so this routes each call to the
 * host of the workspace's blueprint. A real portal with repositories on both does the same.
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
      // The GitLab host cannot read a merge request's state (nor can its emulator merge): "still
      // open" is the answer that changes nothing, so polling leaves those requests as they are.
      if (!host.getPullRequest) return { state: 'open', merged: false };
      return host.getPullRequest(args);
    },
    async getDeployment(args) {
      const host = hostOf(args.workspace);
      return host.getDeployment ? host.getDeployment(args) : null;
    },
  } satisfies GitHostPort;
}
