export { createGitHubHost, type GitHubHostLogger, type GitHubHostOptions } from './gitHubHost.js';
export { createSimpleGit, type GitCredentials, type SimpleGitAdapterOptions } from './simpleGit.js';
