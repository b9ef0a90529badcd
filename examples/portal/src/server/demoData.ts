import type { Actor, Workspace } from '@publishgate/core';

/** A person who can sign in to the demo (dev-only: the host app's real authentication replaces this). */
export type DemoUser = Actor & { name: string; title: string };

/** A workspace template; trust is granted per blueprint. */
export type DemoBlueprint = { id: string; name: string; description: string };

/** The blueprint every demo workspace is made from. */
export const BLUEPRINT: DemoBlueprint = {
  id: 'bp-website',
  name: 'Small website',
  description: 'A static web page with a stylesheet: the sample app in the blueprint repository.',
};

/** The demo users: two builders and one admin. Ids are stable so that re-runs keep their data. */
export const DEMO_USERS: readonly DemoUser[] = [
  { id: 'u-bob', email: 'bob@example.com', name: 'Bob', title: 'Builder', roles: ['builder'] },
  { id: 'u-carol', email: 'carol@example.com', name: 'Carol', title: 'Builder', roles: ['builder'] },
  { id: 'u-ada', email: 'ada@example.com', name: 'Ada', title: 'Admin', roles: ['admin'] },
];

/** One working copy per builder, cloned from the blueprint repository at first start. */
export const DEMO_WORKSPACES: readonly Workspace[] = [
  { id: 'ws-bob', name: 'Bike shop', blueprintId: BLUEPRINT.id, ownerId: 'u-bob' },
  { id: 'ws-carol', name: 'Corner cafe', blueprintId: BLUEPRINT.id, ownerId: 'u-carol' },
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
