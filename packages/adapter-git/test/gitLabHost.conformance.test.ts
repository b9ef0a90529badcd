import { runGitHostConformance } from '@publishgate/core/conformance';
import { createGitLabHarness } from './helpers/gitlab.js';

runGitHostConformance({ name: 'GitLab host (token) on the REST emulator', create: () => createGitLabHarness('token'), polling: true });
runGitHostConformance({
  name: 'GitLab host (gitbeaker instance) on the REST emulator',
  create: () => createGitLabHarness('gitlab'),
  polling: true,
});
