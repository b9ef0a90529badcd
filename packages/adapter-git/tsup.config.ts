import { definePackageBuild } from '../../tooling/tsup.preset.ts';

export default definePackageBuild(
  {
    index: 'src/index.ts',
    'testing/index': 'src/testing/index.ts',
  },
  {
    // Peers, dependencies and Node built-ins stay imports; the OpenAPI subset JSON is bundled into testing.
    external: ['@publishgate/core', '@octokit/rest', '@gitbeaker/rest', '@simple-git/argv-parser', /^node:/],
  },
);
