import type { Actor, Workspace } from '@publishgate/core';

/** A person who can sign in to the demo (dev-only: the host app's real authentication replaces this). */
export type DemoUser = Actor & { name: string; title: string };

/** A workspace template; trust is granted per blueprint. Each lives in its own repository. */
export type DemoBlueprint = {
  id: string;
  name: string;
  description: string;
  /**
   * The name of its repository: the bare remote `<repo>.git` and the emulated repository `acme/<repo>`
   * (local mode) on the GitHub or the GitLab emulator, as `host` says.
   */
  repo: string;
  /** Where its pull (GitHub) or merge (GitLab) requests are opened in local mode. */
  host: 'github' | 'gitlab';
};

/** The blueprint of Bob's and Carol's workspaces. */
export const BLUEPRINT: DemoBlueprint = {
  id: 'bp-website',
  name: 'Small website',
  description: 'A static web page with a stylesheet: the sample app in the blueprint repository.',
  repo: 'sites',
  host: 'github',
};

/** The second blueprint, in a repository of its own: Dan's workspace publishes there. */
export const BLOG_BLUEPRINT: DemoBlueprint = {
  id: 'bp-blog',
  name: 'Notes blog',
  description: 'A one-page blog with a post in Markdown, kept in its own repository.',
  repo: 'blog',
  host: 'github',
};

/** The third blueprint, whose repository lives on the GitLab emulator: Erin's workspace opens merge requests there. */
export const DOCS_BLUEPRINT: DemoBlueprint = {
  id: 'bp-docs',
  name: 'Docs site',
  description: 'A small documentation site, kept in a GitLab project: approved publishes open merge requests.',
  repo: 'docs',
  host: 'gitlab',
};

/** Every demo blueprint. */
export const BLUEPRINTS: readonly DemoBlueprint[] = [BLUEPRINT, BLOG_BLUEPRINT, DOCS_BLUEPRINT];

/** Finds a demo blueprint by id. */
export function findBlueprint(id: string): DemoBlueprint | undefined {
  return BLUEPRINTS.find((blueprint) => blueprint.id === id);
}

/**
 * The demo users: four builders and two admins (two, so that a blueprint can ask for two
 * approvals). Ids are stable so that re-runs keep their data.
 */
export const DEMO_USERS: readonly DemoUser[] = [
  { id: 'u-bob', email: 'bob@example.com', name: 'Bob', title: 'Builder', roles: ['builder'] },
  { id: 'u-carol', email: 'carol@example.com', name: 'Carol', title: 'Builder', roles: ['builder'] },
  { id: 'u-dan', email: 'dan@example.com', name: 'Dan', title: 'Builder', roles: ['builder'] },
  { id: 'u-erin', email: 'erin@example.com', name: 'Erin', title: 'Builder', roles: ['builder'] },
  { id: 'u-ada', email: 'ada@example.com', name: 'Ada', title: 'Admin', roles: ['admin'] },
  { id: 'u-grace', email: 'grace@example.com', name: 'Grace', title: 'Admin', roles: ['admin'] },
];

/** One working copy per builder, cloned from its blueprint's repository at first start. */
export const DEMO_WORKSPACES: readonly Workspace[] = [
  { id: 'ws-bob', name: 'Bike shop', blueprintId: BLUEPRINT.id, ownerId: 'u-bob' },
  { id: 'ws-carol', name: 'Corner cafe', blueprintId: BLUEPRINT.id, ownerId: 'u-carol' },
  { id: 'ws-dan', name: 'Dan’s notes', blueprintId: BLOG_BLUEPRINT.id, ownerId: 'u-dan' },
  { id: 'ws-erin', name: 'Erin’s docs', blueprintId: DOCS_BLUEPRINT.id, ownerId: 'u-erin' },
];

/** Finds a demo user by id. */
export function findUser(id: string): DemoUser | undefined {
  return DEMO_USERS.find((user) => user.id === id);
}

/** Finds a demo workspace by id. */
export function findWorkspace(id: string): Workspace | undefined {
  return DEMO_WORKSPACES.find((workspace) => workspace.id === id);
}

/** The files of the sample web app on the blueprint's `main` branch. */
export const SAMPLE_APP: Readonly<Record<string, string>> = {
  'index.html': `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>My small website</title>
    <link rel="stylesheet" href="styles.css" />
  </head>
  <body>
    <main>
      <h1>Welcome</h1>
      <p>This page was made from the "Small website" blueprint. Edit it, then press Publish.</p>
    </main>
  </body>
</html>
`,
  'styles.css': `body {
  font-family: system-ui, sans-serif;
  margin: 0;
  color: #1d2330;
  background: #f7f7fb;
}

main {
  max-width: 40rem;
  margin: 4rem auto;
  padding: 0 1rem;
}
`,
  'README.md': `# Small website

The sample app of the publishgate portal demo's blueprint. A builder edits these files in their
workspace; an approved publish pushes the pinned commit to a new branch and opens a pull request
for deployment.
`,
};

/** The files of the second blueprint's sample app, on `main` of its own repository. */
export const BLOG_APP: Readonly<Record<string, string>> = {
  'index.html': `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Notes</title>
  </head>
  <body>
    <main>
      <h1>Notes</h1>
      <p>This page was made from the "Notes blog" blueprint. Write a post, then press Publish.</p>
    </main>
  </body>
</html>
`,
  'posts/hello.md': `# Hello

The first post of a blog made from the "Notes blog" blueprint.
`,
  'README.md': `# Notes blog

The second blueprint of the publishgate portal demo. It lives in a repository of its own, so its
publish branches and pull requests never mix with the "Small website" ones.
`,
};

/** The files of the third blueprint's sample app, on `main` of its repository (a GitLab project in local mode). */
export const DOCS_APP: Readonly<Record<string, string>> = {
  'index.html': `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Docs</title>
  </head>
  <body>
    <main>
      <h1>Docs</h1>
      <p>This page was made from the "Docs site" blueprint. Write a guide, then press Publish.</p>
    </main>
  </body>
</html>
`,
  'guides/getting-started.md': `# Getting started

The first guide of a documentation site made from the "Docs site" blueprint.
`,
  'README.md': `# Docs site

The third blueprint of the publishgate portal demo. Its repository is a GitLab project (the GitLab
emulator in the demo), so an approved publish opens a merge request instead of a pull request.
`,
};

/** The sample files of each blueprint, by blueprint id. */
export const BLUEPRINT_FILES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  [BLUEPRINT.id]: SAMPLE_APP,
  [BLOG_BLUEPRINT.id]: BLOG_APP,
  [DOCS_BLUEPRINT.id]: DOCS_APP,
};
