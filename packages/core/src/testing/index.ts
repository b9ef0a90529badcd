// `@publishgate/core/testing`: fakes and fixtures for tests and demos. It imports no test runner;
// the conformance suites, which need vitest, are `@publishgate/core/conformance`.
export { codeOf, rejectionOf } from './expectations.js';
export { createFakeGit, type FakeGit, type FakeGitOperation, type FakeGitOptions } from './fakeGit.js';
export { createFakeGitHost, type FakeGitHost, type FakeGitHostOptions, type FakePullRequest } from './fakeGitHost.js';
export {
  advance,
  approvalRuleFixture,
  at,
  auditFixture,
  FIXTURE_EPOCH,
  fakeSha,
  notificationExample,
  notificationFixture,
  requestFixture,
  trustFixture,
  workspaceFixture,
} from './fixtures.js';
export { createRecordingNotifier, type RecordingNotifier } from './recordingNotifier.js';
