export { codeOf, expectErrorCode, rejectionOf } from './expectations.js';
export { createFakeGit, type FakeGit, type FakeGitOperation, type FakeGitOptions } from './fakeGit.js';
export { createFakeGitHost, type FakeGitHost, type FakeGitHostOptions, type FakePullRequest } from './fakeGitHost.js';
export {
  advance,
  at,
  auditFixture,
  FIXTURE_EPOCH,
  fakeSha,
  notificationFixture,
  requestFixture,
  trustFixture,
  workspaceFixture,
} from './fixtures.js';
export { type GitConformanceOptions, type GitHarness, runGitConformance } from './gitConformance.js';
export { type GitHostConformanceOptions, type GitHostHarness, runGitHostConformance } from './gitHostConformance.js';
export { createRecordingNotifier, type RecordingNotifier } from './recordingNotifier.js';
export { runStorageConformance, type StorageConformanceOptions } from './storageConformance.js';
