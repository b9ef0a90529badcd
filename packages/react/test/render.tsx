import type { PublishGateClient } from '@publishgate/core/client';
import { type RenderResult, render, screen, within } from '@testing-library/react';
import userEvent, { type UserEvent } from '@testing-library/user-event';
import axe from 'axe-core';
import type { ReactElement } from 'react';
import { expect } from 'vitest';
import { type PublishGateLabelOverrides, PublishGateProvider, type PublishGateStoreOptions } from '../src/index.js';

/** Renders `ui` under a provider for `client`, with a user-event instance. */
export function renderWithClient(
  ui: ReactElement,
  client: PublishGateClient,
  options: { storeOptions?: PublishGateStoreOptions; labels?: PublishGateLabelOverrides } = {},
): RenderResult & { user: UserEvent } {
  const user = userEvent.setup();
  const result = render(
    <PublishGateProvider client={client} {...(options.storeOptions ? { storeOptions: options.storeOptions } : {})} labels={options.labels}>
      {ui}
    </PublishGateProvider>,
  );
  return { user, ...result };
}

/**
 * axe-core on `node`. Disabled, because jsdom has no layout engine: `color-contrast` (needs computed
 * colours of rendered boxes). Everything else, best practices included, runs.
 */
export async function expectNoAxeViolations(node: Element, state: string) {
  const results = await axe.run(node, { rules: { 'color-contrast': { enabled: false } }, resultTypes: ['violations'] });
  const violations = results.violations.map(
    (violation) => `${state}: ${violation.id} (${violation.impact}) ${violation.nodes.map((n) => n.target.join(' ')).join(' | ')}`,
  );
  expect(violations).toEqual([]);
}

export { screen, within };
