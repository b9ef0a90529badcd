export {
  createManualClock,
  type EmulatedOperation,
  type EmulatorClock,
  type EmulatorFault,
  type GitHubEmulator,
  type GitHubEmulatorOptions,
  type ManualClock,
  type PullRequestHold,
  type RateLimitedAnswer,
  startGitHubEmulator,
} from './githubEmulator.js';
export { type GitHubEmulatorRouter, routeGitHubEmulators } from './githubEmulatorRouter.js';
export type { EmulatedPullRequest } from './githubFixtures.js';
export {
  type EmulatedMergeRequest,
  type GitLabEmulatedOperation,
  type GitLabEmulator,
  type GitLabEmulatorFault,
  type GitLabEmulatorOptions,
  type GitLabMergeMethod,
  type GitLabRateLimitHeaders,
  startGitLabEmulator,
} from './gitlabEmulator.js';
export { type GitLabEmulatorRouter, routeGitLabEmulators } from './gitlabEmulatorRouter.js';
export {
  createOpenApiValidator,
  EMULATED_OPERATIONS,
  extractOpenApiSubset,
  type JsonSchema,
  type OpenApiDocument,
  type OpenApiValidator,
  type ResolvedOperation,
} from './openApi.js';
