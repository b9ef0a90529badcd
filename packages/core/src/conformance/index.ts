// `@publishgate/core/conformance`: the published contract of every port, as vitest suites that an
// adapter's own test file runs against its adapter. Needs vitest (a peer dependency).
export { expectErrorCode } from './expectErrorCode.js';
export { type GitConformanceOptions, type GitHarness, runGitConformance } from './gitConformance.js';
export { type GitHostConformanceOptions, type GitHostHarness, runGitHostConformance } from './gitHostConformance.js';
export { runStorageConformance, type StorageConformanceOptions } from './storageConformance.js';
