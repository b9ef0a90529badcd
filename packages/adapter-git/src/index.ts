export { createGitHubHost, type GitHubHostLogger, type GitHubHostOptions } from './gitHubHost.js';
export { createGitLabHost, type GitLabClient, type GitLabHostOptions } from './gitLabHost.js';
export { type GitLabRemoteOptions, gitLabRemote } from './gitLabRemote.js';
export { createSimpleGit, type GitCredentials, type SimpleGitAdapterOptions } from './simpleGit.js';
