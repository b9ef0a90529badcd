import { describe, expect, it } from 'vitest';
import { admin, builder, setup, workspace } from '../../helpers';

describe('pull request text', () => {
  it('carries the request details and a link back, with user text escaped', async () => {
    const weird = { ...workspace, name: 'Shop | <b>bold</b> @team' };
    const { gate, git, gitHost, notifier } = setup({ requestUrl: (request) => `https://portal.example/requests/${request.id}` });
    git.write(weird, 'a.txt', 'a\n');
    const request = await gate.requestPublish({ workspace: weird, subdomain: 'pr-text', actor: builder });
    await gate.approve({ id: request.id, actor: admin });
    const [pull] = gitHost.pullRequests();
    expect(pull?.body).toContain(`[Open in the portal](https://portal.example/requests/${request.id})`);
    expect(pull?.body).toContain('approved by ada@\u200bexample.com');
    expect(pull?.body).toContain('Shop \\| \\<b\\>bold\\</b\\> @\u200bteam');
    expect(pull?.body).toContain(`| Commit | \`${request.sha}\` |`);
    expect(pull?.title).toBe('Publish Shop | <b>bold</b> @team to pr-text');
    await gate.sweep();
    expect(notifier.to(builder.id)[0]?.data.requestUrl).toBe(`https://portal.example/requests/${request.id}`);
  });
});

describe('pull request text, reviewer comment', () => {
  it('a multi-line comment with Markdown and mentions stays on one escaped line', async () => {
    const { gate, git, gitHost } = setup();
    git.write(workspace, 'a.txt', 'a\n');
    const request = await gate.requestPublish({ workspace, subdomain: 'comment-text', actor: builder });
    await gate.approve({ id: request.id, actor: admin, comment: 'ok\r\nship *it*\n| @ops `now`\rdone' });
    const [pull] = gitHost.pullRequests();
    expect(pull?.body).toContain('ok ship \\*it\\* \\| @\u200bops \\`now\\`\rdone');
  });
});

describe('pull request text, counts', () => {
  it('says "1 file" for one changed file and "2 files" for two', async () => {
    const { gate, git, gitHost } = setup();
    git.write(workspace, 'a.txt', 'a\n');
    const one = await gate.requestPublish({ workspace, subdomain: 'one-file', actor: builder });
    await gate.approve({ id: one.id, actor: admin });
    git.write(workspace, 'b.txt', 'b\n');
    git.write(workspace, 'c.txt', 'c\n');
    const two = await gate.requestPublish({ workspace, subdomain: 'one-file', actor: builder });
    await gate.approve({ id: two.id, actor: admin });
    const [first, second] = gitHost.pullRequests();
    expect(first?.body).toContain('| Changes | 1 file, +1 −0 |');
    expect(second?.body).toContain('| Changes | 2 files, +2 −0 |');
  });
});
