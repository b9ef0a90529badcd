// Regression: a finding showed its file twice (".env .env looks like an environment file…"): the
// list printed the path, then the scanner's message, which already names it.
import { scanFindings } from '@publishgate/core';
import { requestFixture } from '@publishgate/core/testing';
import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { RequestReview } from '../src/index.js';
import { renderWithClient } from './render.js';
import { stubClient } from './stubClient.js';

describe('findings in the review', () => {
  it('regression: each finding names its file once (an env file and a secret with its line)', async () => {
    const base = requestFixture();
    const diff = {
      ...base.diff,
      files: [{ path: '.env', status: 'added' as const, additions: 1, deletions: 0, binary: false }],
      additions: 1,
      deletions: 0,
      patch: 'diff --git a/.env b/.env\n--- /dev/null\n+++ b/.env\n@@ -0,0 +1 @@\n+AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n',
    };
    const findings = scanFindings(diff);
    expect(findings.map((finding) => finding.kind).sort()).toEqual(['env-file', 'secret']);
    const request = { ...base, diff, findings };
    renderWithClient(<RequestReview request={request} />, stubClient({ getRequest: async () => request, listTrust: async () => [] }), {
      storeOptions: { live: false },
    });
    const review = screen.getByRole('region', { name: `Review: ${request.workspace.name}` });
    const items = [...review.querySelectorAll('.pg-finding')];
    expect(items).toHaveLength(2);
    for (const item of items) {
      const text = item.textContent ?? '';
      expect(text.split('.env').length - 1, text).toBe(1);
    }
    expect(within(review).getByText('.env looks like an environment file; these usually hold secrets.')).toBeTruthy();
  });
});
