import { createMemoryStorage } from '@publishgate/core';
import { describe, expect, it } from 'vitest';
import { admin, builder, setup, workspace } from '../helpers';

describe('change signals and the default clock', () => {
  it('onChange fires once per stored change while events carry every audit entry', async () => {
    // Without watchAudit, so only this gate's own signal is counted.
    const { watchAudit: _watch, ...storage } = createMemoryStorage();
    const { gate, git } = setup({ storage });
    await gate.setTrust({ blueprintId: workspace.blueprintId, userId: builder.id, email: builder.email, trusted: true, actor: admin });
    const changes: number[] = [];
    const types: string[] = [];
    gate.onChange(() => changes.push(types.length));
    gate.events.on('*', (type) => types.push(type));
    git.write(workspace, 'index.html', '<h1>Trusted</h1>\n');
    // A trusted submit stores one change with two entries (submitted, approving), then two
    // progress steps (pushing, opening the pull request), then the outcome.
    const request = await gate.requestPublish({ workspace, subdomain: 'trusted-site', actor: builder });
    expect(request.status).toBe('approved');
    expect(types).toEqual(['request.submitted', 'request.approving', 'request.progress', 'request.progress', 'request.approved']);
    expect(changes).toEqual([2, 3, 4, 5]);
  });

  it('without a clock option, stored timestamps are the current time in ISO-8601 UTC', async () => {
    const { gate, git } = setup({ clock: undefined });
    git.write(workspace, 'index.html', '<h1>Now</h1>\n');
    const before = Date.now();
    const request = await gate.requestPublish({ workspace, subdomain: 'right-now', actor: builder });
    const after = Date.now();
    expect(request.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(request.createdAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(request.createdAt)).toBeLessThanOrEqual(after);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const approved = await gate.approve({ id: request.id, actor: admin });
    expect(Date.parse(approved.updatedAt)).toBeGreaterThan(Date.parse(request.createdAt));
  });
});
