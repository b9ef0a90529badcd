import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

// Vitest globals are off, so Testing Library cannot register its own cleanup.
afterEach(() => cleanup());

// Live regions repeat what the visible UI says; text queries look at the visible UI, and tests
// check announcements through getByRole('status') explicitly.
configure({
  defaultIgnore: 'script, style, [data-pg-live]',
  // Flows go through a real server and git fakes on two shared cores: give findBy/waitFor room.
  asyncUtilTimeout: 5_000,
});
