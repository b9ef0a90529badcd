export type { CommitAuthor, GitPort } from './git.js';
export type { DeploymentStatus, GitHostPort, PullRequestStatus } from './gitHost.js';
export type { NotifierPort } from './notifier.js';
export type { PacingLimit, RequestCursor, RequestFilter, SideWrites, StoragePort, SubdomainClaim } from './storage.js';
