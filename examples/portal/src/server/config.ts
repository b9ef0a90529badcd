import type { RemoteConfig } from './seed.js';

/** Reads the GitHub settings from the environment; undefined means "use the local remote and the emulator". */
export function gitHubFromEnv(env: NodeJS.ProcessEnv): RemoteConfig | undefined {
  // Inside GitHub Actions, GITHUB_TOKEN and GITHUB_REPOSITORY are always set: using them there would
  // make a CI run push demo branches to the project's own repository. Only the prefixed names count there.
  const plainAllowed = env.GITHUB_ACTIONS !== 'true';
  const token = env.PUBLISHGATE_GITHUB_TOKEN || (plainAllowed ? env.GITHUB_TOKEN : undefined);
  const repository = env.PUBLISHGATE_GITHUB_REPOSITORY || (plainAllowed ? env.GITHUB_REPOSITORY : undefined);
  if (!token || !repository) return undefined;
  const match = /^([A-Za-z0-9_.-]{1,100})\/([A-Za-z0-9_.-]{1,100})$/.exec(repository);
  if (!match) throw new Error(`The GitHub repository must look like owner/repo, not ${JSON.stringify(repository)}.`);
  return {
    kind: 'github',
    owner: match[1] as string,
    repo: match[2] as string,
    token,
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    serverUrl: env.GITHUB_SERVER_URL || 'https://github.com',
    baseBranch: env.PUBLISHGATE_GITHUB_BASE_BRANCH || 'main',
  };
}
