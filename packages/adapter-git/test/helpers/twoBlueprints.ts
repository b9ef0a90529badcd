import { createSimpleGit } from '@publishgate/adapter-git';
import type { Actor, GitPort, Workspace } from '@publishgate/core';
import { bob, carol } from './gateSetup.js';
import { createRepoFixture, git, type RepoFixture } from './repos.js';

/** A blueprint with its own repository: a bare remote, and one workspace of it owned by `owner`. */
export type BlueprintRepo = { id: string; repo: string; owner: Actor; fixture: RepoFixture; workspace: Workspace };

/** Two blueprints in two repositories (`shop` by Bob, `blog` by Carol), whatever git host serves them. */
export type TwoBlueprints = {
  shop: BlueprintRepo;
  blog: BlueprintRepo;
  /** The blueprint repository a workspace belongs to (throws for a workspace of neither). */
  byBlueprint(workspace: Workspace): BlueprintRepo;
  /** simple-git pushing each workspace to its own blueprint's remote. */
  git: GitPort;
};

/** Builds {@link TwoBlueprints}; every deletion goes to `cleanups`. */
export async function twoBlueprints(cleanups: Array<() => Promise<void>>): Promise<TwoBlueprints> {
  const blueprint = async (id: string, repo: string, owner: Actor): Promise<BlueprintRepo> => {
    const fixture = await createRepoFixture();
    cleanups.push(fixture.cleanup);
    return { id, repo, owner, fixture, workspace: { ...fixture.workspace, id: `ws-${repo}`, blueprintId: id, ownerId: owner.id } };
  };
  const shop = await blueprint('bp-shop', 'shop', bob);
  const blog = await blueprint('bp-blog', 'blog', carol);
  const byBlueprint = (workspace: Workspace): BlueprintRepo => {
    const found = [shop, blog].find((candidate) => candidate.id === workspace.blueprintId);
    if (!found) throw new Error(`no repository for blueprint ${workspace.blueprintId}`);
    return found;
  };
  return {
    shop,
    blog,
    byBlueprint,
    git: createSimpleGit({
      resolveWorkspaceDir: (workspace) => byBlueprint(workspace).fixture.workspaceDir,
      remote: (workspace) => `file://${byBlueprint(workspace).fixture.remoteDir}`,
      baseBranch: 'main',
    }),
  };
}

/** The `publish/*` branches of a bare remote, one per line. */
export const publishBranches = (remoteDir: string) =>
  git(remoteDir, ['for-each-ref', '--format=%(refname:lstrip=2)', 'refs/heads/publish/']);
