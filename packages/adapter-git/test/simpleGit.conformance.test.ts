import { runGitConformance } from '@publishgate/core/conformance';
import { createGitHarness } from './helpers/repos.js';

runGitConformance({ name: 'simple-git on real repositories', create: () => createGitHarness() });
