// JSON bodies shaped like GitHub's, for the emulator. Every field the OpenAPI description marks as
// required is present; the emulator validates them before sending.

/** What the builders need to know about the emulated repository. */
export type FixtureContext = {
  /** API root, e.g. `http://127.0.0.1:4010`. */
  apiUrl: string;
  /** Web root for `html_url`s (the emulator serves a small page there). */
  webUrl: string;
  owner: string;
  repo: string;
  defaultBranch: string;
  createdAt: string;
};

/** A pull request as the emulator keeps it. */
export type EmulatedPullRequest = {
  number: number;
  title: string;
  body: string;
  /** Head branch name. */
  head: string;
  headSha: string;
  base: string;
  baseSha: string;
  state: 'open' | 'closed';
  draft: boolean;
  /** The web URL, as GitHub's `html_url`. */
  url: string;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** Set when the pull request was merged ({@link GitHubEmulator.mergePullRequest}). */
  mergedAt?: string | null;
  /** The merge commit, once merged. */
  mergeSha?: string | null;
};

/** The `simple-user` schema. */
export function userJson(ctx: FixtureContext, login: string, id: number) {
  const api = `${ctx.apiUrl}/users/${login}`;
  return {
    login,
    id,
    node_id: Buffer.from(`04:User${id}`).toString('base64'),
    avatar_url: `${ctx.webUrl}/avatars/${login}`,
    gravatar_id: '',
    url: api,
    html_url: `${ctx.webUrl}/${login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: 'Organization',
    user_view_type: 'public',
    site_admin: false,
  };
}

/** The `repository` schema (as embedded in pull requests). */
export function repositoryJson(ctx: FixtureContext) {
  const api = `${ctx.apiUrl}/repos/${ctx.owner}/${ctx.repo}`;
  const host = new URL(ctx.webUrl).host;
  return {
    id: 1296269,
    node_id: 'MDEwOlJlcG9zaXRvcnkxMjk2MjY5',
    name: ctx.repo,
    full_name: `${ctx.owner}/${ctx.repo}`,
    owner: userJson(ctx, ctx.owner, 1),
    private: true,
    html_url: `${ctx.webUrl}/${ctx.owner}/${ctx.repo}`,
    description: 'Sites published through publishgate',
    fork: false,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    assignees_url: `${api}/assignees{/user}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    branches_url: `${api}/branches{/branch}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_url: `git://${host}/${ctx.owner}/${ctx.repo}.git`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    ssh_url: `git@${host}:${ctx.owner}/${ctx.repo}.git`,
    stargazers_url: `${api}/stargazers`,
    statuses_url: `${api}/statuses/{sha}`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
    trees_url: `${api}/git/trees{/sha}`,
    clone_url: `${ctx.webUrl}/${ctx.owner}/${ctx.repo}.git`,
    mirror_url: null,
    hooks_url: `${api}/hooks`,
    svn_url: `${ctx.webUrl}/${ctx.owner}/${ctx.repo}`,
    homepage: null,
    language: 'HTML',
    forks: 0,
    forks_count: 0,
    stargazers_count: 0,
    watchers: 0,
    watchers_count: 0,
    size: 108,
    default_branch: ctx.defaultBranch,
    open_issues: 0,
    open_issues_count: 0,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: 'private',
    license: null,
    pushed_at: ctx.createdAt,
    created_at: ctx.createdAt,
    updated_at: ctx.createdAt,
    permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
    allow_rebase_merge: true,
    allow_squash_merge: true,
    allow_merge_commit: true,
    allow_auto_merge: false,
    delete_branch_on_merge: false,
  };
}

/** The `full-repository` schema (GET /repos/{owner}/{repo}). */
export function fullRepositoryJson(ctx: FixtureContext) {
  return { ...repositoryJson(ctx), network_count: 0, subscribers_count: 1, temp_clone_token: null, allow_forking: false };
}

function branchJson(ctx: FixtureContext, ref: string, sha: string) {
  return { label: `${ctx.owner}:${ref}`, ref, sha, user: userJson(ctx, ctx.owner, 1), repo: repositoryJson(ctx) };
}

/** The `pull-request-simple` schema (list items). */
export function pullRequestSimpleJson(ctx: FixtureContext, pull: EmulatedPullRequest) {
  const api = `${ctx.apiUrl}/repos/${ctx.owner}/${ctx.repo}`;
  const self = `${api}/pulls/${pull.number}`;
  return {
    url: self,
    id: 1_000_000 + pull.number,
    node_id: Buffer.from(`011:PullRequest${pull.number}`).toString('base64'),
    html_url: pull.url,
    diff_url: `${pull.url}.diff`,
    patch_url: `${pull.url}.patch`,
    issue_url: `${api}/issues/${pull.number}`,
    commits_url: `${self}/commits`,
    review_comments_url: `${self}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${pull.number}/comments`,
    statuses_url: `${api}/statuses/${pull.headSha}`,
    number: pull.number,
    state: pull.state,
    locked: false,
    title: pull.title,
    user: userJson(ctx, 'publishgate-bot', 2),
    body: pull.body,
    labels: [],
    milestone: null,
    active_lock_reason: null,
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    closed_at: pull.closedAt,
    merged_at: pull.mergedAt ?? null,
    merge_commit_sha: pull.mergeSha ?? null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: branchJson(ctx, pull.head, pull.headSha),
    base: branchJson(ctx, pull.base, pull.baseSha),
    _links: {
      self: { href: self },
      html: { href: pull.url },
      issue: { href: `${api}/issues/${pull.number}` },
      comments: { href: `${api}/issues/${pull.number}/comments` },
      review_comments: { href: `${self}/comments` },
      review_comment: { href: `${api}/pulls/comments{/number}` },
      commits: { href: `${self}/commits` },
      statuses: { href: `${api}/statuses/${pull.headSha}` },
    },
    author_association: 'CONTRIBUTOR',
    auto_merge: null,
    draft: pull.draft,
  };
}

/** The `pull-request` schema (create and get). */
export function pullRequestJson(ctx: FixtureContext, pull: EmulatedPullRequest) {
  return {
    ...pullRequestSimpleJson(ctx, pull),
    merged: Boolean(pull.mergedAt),
    mergeable: null,
    rebaseable: null,
    mergeable_state: 'unknown',
    merged_by: pull.mergedAt ? userJson(ctx, 'octocat', 1) : null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: 1,
    additions: 0,
    deletions: 0,
    changed_files: 0,
  };
}

/** The `rate-limit-overview` schema. */
export function rateLimitJson(limit: number, remaining: number, reset: number) {
  const rate = { limit, remaining, reset, used: limit - remaining };
  return { resources: { core: rate, search: { limit: 30, remaining: 30, reset, used: 0 } }, rate };
}

/** A deployment of a commit, with its statuses (newest last), as the emulator keeps it. */
export type EmulatedDeployment = {
  id: number;
  sha: string;
  ref: string;
  environment: string;
  createdAt: string;
  statuses: Array<{ id: number; state: EmulatedDeploymentState; environmentUrl: string; createdAt: string }>;
};

/** Deployment status states GitHub reports. */
export type EmulatedDeploymentState = 'error' | 'failure' | 'inactive' | 'pending' | 'success' | 'queued' | 'in_progress';

/** The `deployment` schema. */
export function deploymentJson(ctx: FixtureContext, deployment: EmulatedDeployment) {
  const url = `${ctx.apiUrl}/repos/${ctx.owner}/${ctx.repo}/deployments/${deployment.id}`;
  return {
    url,
    id: deployment.id,
    node_id: `DE_${deployment.id}`,
    sha: deployment.sha,
    ref: deployment.ref,
    task: 'deploy',
    payload: {},
    original_environment: deployment.environment,
    environment: deployment.environment,
    description: null,
    creator: userJson(ctx, 'octocat', 1),
    created_at: deployment.createdAt,
    updated_at: deployment.statuses.at(-1)?.createdAt ?? deployment.createdAt,
    statuses_url: `${url}/statuses`,
    repository_url: `${ctx.apiUrl}/repos/${ctx.owner}/${ctx.repo}`,
    transient_environment: false,
    production_environment: true,
  };
}

/** The `deployment-status` schema. */
export function deploymentStatusJson(ctx: FixtureContext, deployment: EmulatedDeployment, status: EmulatedDeployment['statuses'][number]) {
  const deploymentUrl = `${ctx.apiUrl}/repos/${ctx.owner}/${ctx.repo}/deployments/${deployment.id}`;
  return {
    url: `${deploymentUrl}/statuses/${status.id}`,
    id: status.id,
    node_id: `DES_${status.id}`,
    state: status.state,
    creator: userJson(ctx, 'octocat', 1),
    description: '',
    environment: deployment.environment,
    target_url: `${ctx.webUrl}/${ctx.owner}/${ctx.repo}/deployments/${deployment.id}`,
    created_at: status.createdAt,
    updated_at: status.createdAt,
    deployment_url: deploymentUrl,
    repository_url: `${ctx.apiUrl}/repos/${ctx.owner}/${ctx.repo}`,
    // GitHub leaves these out when the deployment did not say (the description allows only URIs).
    ...(status.environmentUrl ? { environment_url: status.environmentUrl } : {}),
    log_url: `${ctx.webUrl}/${ctx.owner}/${ctx.repo}/deployments/${deployment.id}/statuses/${status.id}`,
  };
}
