import { runGitHostConformance } from '@publishgate/core/conformance';
import { createHostHarness } from './helpers/github.js';

runGitHostConformance({ name: 'GitHub host on the REST emulator', create: () => createHostHarness(), polling: true });
