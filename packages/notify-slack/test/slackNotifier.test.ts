import { inspect } from 'node:util';
import { createMemoryStorage, createPublishGate, publishEventTypeSchema } from '@publishgate/core';
import { createFakeGit, createFakeGitHost, notificationExample } from '@publishgate/core/testing';
import { createSlackNotifier, escapeMrkdwn, renderSlackMessage, SLACK_ACTION_IDS, SlackNotifyError } from '@publishgate/notify-slack';
import { afterEach, describe, expect, it } from 'vitest';
import { type PostedMessage, startSlackStandIn } from './slackStandIn';

const TOKEN = 'xoxb-canary-0123456789-token';
const WEBHOOK_SECRET = 'SeCrEtWeBhOoKpAtH42';
const ADMIN_CHANNEL = 'C_ADMINS';
const REVIEW_URL = 'https://portal.example/requests/req-1';

const notificationFor = notificationExample;

// What each event must say and link; `channel` is where it must land.
const expected: Record<string, { header: string; channel: string; says: string[]; buttons: string[] }> = {
  'request.submitted': {
    header: 'Publish request waiting for review',
    channel: ADMIN_CHANNEL,
    says: ["*bob@example.com* asks to publish *Bob's shop*", '`shop`', '3 files, +10 −2', ':warning: 2'],
    buttons: [SLACK_ACTION_IDS.review],
  },
  'request.approved': {
    header: 'Publish request approved',
    channel: 'D_U_BOB',
    says: ['deployment pull request is open'],
    buttons: [SLACK_ACTION_IDS.pullRequest, SLACK_ACTION_IDS.site, SLACK_ACTION_IDS.review],
  },
  'request.rejected': {
    header: 'Publish request rejected',
    channel: 'D_U_BOB',
    says: ['*Feedback*\n>Please remove the debug page.', 'submit a new request'],
    buttons: [SLACK_ACTION_IDS.review],
  },
  'request.failed': {
    header: 'Publishing failed',
    channel: ADMIN_CHANNEL,
    says: ['*Error*\n>push refused by the remote', 'retry from the review page'],
    buttons: [SLACK_ACTION_IDS.review],
  },
  'request.expired': {
    header: 'Publish request expired',
    channel: 'D_U_BOB',
    says: ['expired before it was reviewed'],
    buttons: [SLACK_ACTION_IDS.review],
  },
  'request.withdrawn': {
    header: 'Publish request withdrawn',
    channel: ADMIN_CHANNEL,
    says: ['*bob@example.com* withdrew'],
    buttons: [SLACK_ACTION_IDS.review],
  },
  'trust.granted': {
    header: 'You are a trusted builder',
    channel: 'D_U_BOB',
    says: ['*ada@example.com* trusted you on blueprint `bp-shop`', '*Expires*\n2026-09-01T00:00:00.000Z'],
    buttons: [],
  },
  'trust.revoked': {
    header: 'Trusted-builder status revoked',
    channel: 'D_U_BOB',
    says: ['revoked your trust on blueprint `bp-shop`'],
    buttons: [],
  },
  'request.merged': {
    header: 'Pull request merged',
    channel: 'D_U_BOB',
    says: ["The pull request for *Bob's shop* (`shop`) was merged"],
    buttons: [SLACK_ACTION_IDS.pullRequest, SLACK_ACTION_IDS.review],
  },
  'request.live': {
    header: 'Your site is live',
    channel: 'D_U_BOB',
    says: ["*Bob's shop* is live at https://shop.apps.example/"],
    buttons: [SLACK_ACTION_IDS.site, SLACK_ACTION_IDS.review],
  },
  'request.closed': {
    header: 'Pull request closed without merging',
    channel: 'D_U_BOB',
    says: ['was closed without merging'],
    buttons: [SLACK_ACTION_IDS.review],
  },
  // Approvers are reached where admins are.
  'request.reminder': {
    header: 'Publish request still waiting for review',
    channel: ADMIN_CHANNEL,
    says: ["*bob@example.com* asked to publish *Bob's shop* to `shop` on 2026-02-27T09:00:00.000Z", '1 of 2 approvals so far.'],
    buttons: [SLACK_ACTION_IDS.review],
  },
  'request.deploy_failed': {
    header: 'Deployment failed',
    channel: 'D_U_BOB',
    says: ['failed after its pull request was merged'],
    buttons: [SLACK_ACTION_IDS.review],
  },
  // A type from a newer core: said generically.
  'request.from_the_future': {
    header: 'Publish request update',
    channel: 'D_U_BOB',
    says: ["Event `request.from_the_future` for *Bob's shop*"],
    buttons: [SLACK_ACTION_IDS.review],
  },
};

function allText(message: PostedMessage): string {
  return JSON.stringify(message);
}

function buttonsOf(message: PostedMessage) {
  return message.blocks.flatMap((block) => (block.type === 'actions' ? block.elements : []));
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function standIn() {
  const slack = await startSlackStandIn({ token: TOKEN, users: { 'bob@example.com': 'U_BOB' }, webhookSecret: WEBHOOK_SECRET });
  closers.push(slack.close);
  return slack;
}

describe('createSlackNotifier with a bot token', () => {
  it.each([...publishEventTypeSchema.options, 'request.from_the_future'])(
    '%s posts a valid Block Kit message to the right place',
    async (type) => {
      const slack = await standIn();
      const notifier = createSlackNotifier({ token: TOKEN, adminChannel: ADMIN_CHANNEL, slackApiUrl: slack.apiUrl });
      await notifier.notify(notificationFor(type));
      expect(slack.invalid).toEqual([]);
      const want = expected[type];
      if (!want) throw new Error(`no expectation for ${type}`);
      const [post] = slack.posts;
      if (!post) throw new Error('nothing was posted');
      expect(post.channel).toBe(want.channel);
      expect(post.message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: want.header, emoji: true } });
      expect(post.message.text.startsWith(want.header)).toBe(true);
      const text = post.message.blocks.map((block) => JSON.stringify(block)).join('\n');
      for (const phrase of want.says) expect(text).toContain(JSON.stringify(phrase).slice(1, -1));
      expect(buttonsOf(post.message).map((button) => button.action_id)).toEqual(want.buttons);
      // Buttons only open pages: each is a link with no value an app could act on.
      for (const button of buttonsOf(post.message)) {
        expect(button.url).toMatch(/^https:\/\//);
        expect(button.value).toBeUndefined();
      }
      const review = buttonsOf(post.message).find((button) => button.action_id === SLACK_ACTION_IDS.review);
      if (review) expect(review.url).toBe(REVIEW_URL);
      expect(post.params).toMatchObject({ unfurl_links: 'false', unfurl_media: 'false', link_names: 'false', parse: 'none' });
      const methods = slack.calls.map((call) => call.method);
      expect(methods).toEqual(
        want.channel === ADMIN_CHANNEL ? ['chat.postMessage'] : ['users.lookupByEmail', 'conversations.open', 'chat.postMessage'],
      );
      if (want.channel !== ADMIN_CHANNEL) {
        expect(slack.calls[0]?.params.email).toBe('bob@example.com');
        expect(slack.calls[1]?.params.users).toBe('U_BOB');
      }
    },
  );

  it('shows the request summary: workspace, builder, subdomain, diff size and findings as fields', async () => {
    const slack = await standIn();
    await createSlackNotifier({ token: TOKEN, adminChannel: ADMIN_CHANNEL, slackApiUrl: slack.apiUrl }).notify(
      notificationFor('request.submitted'),
    );
    const fields = slack.posts[0]?.message.blocks.flatMap((block) => (block.type === 'section' ? (block.fields ?? []) : [])) ?? [];
    expect(fields.map((field) => field.text)).toEqual([
      "*Workspace*\nBob's shop",
      '*Builder*\nbob@example.com',
      '*Subdomain*\n`shop`',
      '*Changes*\n3 files, +10 −2',
      '*Findings*\n:warning: 2',
    ]);
  });

  it('a rollback waiting for review says so, so the reviewer knows it brings back an earlier version', async () => {
    const slack = await standIn();
    await createSlackNotifier({ token: TOKEN, adminChannel: ADMIN_CHANNEL, slackApiUrl: slack.apiUrl }).notify(
      notificationFor('request.submitted', { kind: 'rollback', rollbackOf: 'req-1' }),
    );
    expect(slack.invalid).toEqual([]);
    const message = slack.posts[0]?.message as PostedMessage;
    expect(message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Rollback waiting for review', emoji: true } });
    expect(allText(message)).toContain("*bob@example.com* asks to roll *Bob's shop* on `shop` back to an earlier version.");
  });

  it('escapes mrkdwn-injection and XSS-looking user data: no pings, no links, no markup', async () => {
    const slack = await standIn();
    const hostile = '<!channel> <script>alert(1)</script> & <https://evil.example|click me> <@U_ADMIN> <!subteam^S1>';
    await createSlackNotifier({ token: TOKEN, slackApiUrl: slack.apiUrl }).notify(
      notificationFor('request.rejected', {
        workspaceName: hostile,
        builderEmail: '<!here>@example.com',
        subdomain: 'a`b',
        feedback: `${hostile}\n> forged quote\n*Approved by admin*`,
        requestUrl: 'javascript:alert(1)',
        url: 'data:text/html,<script>alert(1)</script>',
      }),
    );
    expect(slack.invalid).toEqual([]);
    const message = slack.posts[0]?.message;
    if (!message) throw new Error('nothing was posted');
    const text = allText(message);
    expect(text).not.toMatch(/<[!@#]|<https?:|<script/);
    expect(text).toContain(escapeMrkdwn('<!channel> <script>alert(1)</script> & <https://evil.example|click me>'));
    expect(text).toContain('&lt;!channel&gt; &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;https://evil.example|click me&gt;');
    // A javascript: or data: URL never becomes a button.
    expect(buttonsOf(message)).toEqual([]);
    // The forged quote line stays inside the one feedback quote instead of starting its own block.
    expect(text).toContain('\\n>&gt; forged quote\\n>*Approved by admin*');
    // Every mrkdwn object asks Slack not to auto-link or parse mentions.
    for (const block of message.blocks) {
      const objects = block.type === 'section' ? [block.text, ...(block.fields ?? [])] : block.type === 'context' ? block.elements : [];
      for (const object of objects) if (object) expect(object.verbatim).toBe(true);
    }
    expect(message.text).not.toMatch(/<[!@#]/);
  });

  it('a long workspace name or feedback is clipped to Slack’s limits without splitting an escape', async () => {
    const slack = await standIn();
    await createSlackNotifier({ token: TOKEN, slackApiUrl: slack.apiUrl }).notify(
      notificationFor('request.rejected', { workspaceName: '<'.repeat(400), feedback: '&'.repeat(2_000) }),
    );
    expect(slack.invalid).toEqual([]);
    const text = allText(slack.posts[0]?.message as PostedMessage);
    expect(text).toContain('&lt;&lt;…');
    expect(text).toMatch(/(&amp;)+…/);
    expect(text).not.toMatch(/&(a|am|amp|l|lt|g|gt)?…/);
  });

  it('uses the requestUrl option when a notification carries no link', async () => {
    const slack = await standIn();
    const notifier = createSlackNotifier({
      token: TOKEN,
      adminChannel: ADMIN_CHANNEL,
      slackApiUrl: slack.apiUrl,
      requestUrl: (notification) => `https://portal.example/review/${notification.requestId}`,
    });
    await notifier.notify(notificationFor('request.submitted', { requestUrl: undefined }));
    expect(buttonsOf(slack.posts[0]?.message as PostedMessage)[0]?.url).toBe('https://portal.example/review/req-1');
  });

  it('channel() routes a notification elsewhere, or skips it with null; filter() skips too', async () => {
    const slack = await standIn();
    const notifier = createSlackNotifier({
      token: TOKEN,
      slackApiUrl: slack.apiUrl,
      channel: (notification) =>
        notification.type === 'trust.granted' ? null : notification.type === 'request.failed' ? 'C_OPS' : undefined,
      filter: (notification) => notification.type !== 'request.expired',
    });
    await notifier.notify(notificationFor('request.failed'));
    await notifier.notify(notificationFor('trust.granted'));
    await notifier.notify(notificationFor('request.expired'));
    expect(slack.posts.map((post) => post.channel)).toEqual(['C_OPS']);
    expect(slack.calls.map((call) => call.method)).toEqual(['chat.postMessage']);
  });

  it('render() can change the message; the result is what Slack receives', async () => {
    const slack = await standIn();
    const notifier = createSlackNotifier({
      token: TOKEN,
      adminChannel: ADMIN_CHANNEL,
      slackApiUrl: slack.apiUrl,
      render: (_, message) => ({ ...message, blocks: [...message.blocks, { type: 'divider' }] }),
    });
    await notifier.notify(notificationFor('request.submitted'));
    expect(slack.posts[0]?.message.blocks.at(-1)).toEqual({ type: 'divider' });
  });

  it('an admin notification without an adminChannel or route rejects as a configuration error', async () => {
    const slack = await standIn();
    const failure = createSlackNotifier({ token: TOKEN, slackApiUrl: slack.apiUrl }).notify(notificationFor('request.submitted'));
    await expect(failure).rejects.toMatchObject({ name: 'SlackNotifyError', code: 'no_channel', retryable: false });
    expect(slack.calls).toEqual([]);
  });

  it('a builder without a Slack account rejects as not retryable and posts nothing', async () => {
    const slack = await standIn();
    const notifier = createSlackNotifier({ token: TOKEN, slackApiUrl: slack.apiUrl });
    const failure = notifier.notify({ ...notificationFor('request.approved'), to: { userId: 'u-9', email: 'nobody@example.com' } });
    await expect(failure).rejects.toMatchObject({ code: 'users_not_found', method: 'users.lookupByEmail', retryable: false });
    expect(slack.posts).toEqual([]);
  });

  it('refuses a configuration without exactly one of token and webhookUrl, or with a non-http URL', () => {
    expect(() => createSlackNotifier({ token: '' })).toThrow(/token/);
    expect(() => createSlackNotifier({ token: TOKEN, webhookUrl: 'https://hooks.example' } as never)).toThrow(/not both/);
    expect(() => createSlackNotifier({ token: TOKEN, slackApiUrl: 'file:///etc/' })).toThrow(/http/);
    expect(() => createSlackNotifier({ webhookUrl: 'not a url' })).toThrow(/webhookUrl/);
  });
});

describe('a Slack that fails: notify rejects so the outbox retries, and never leaks the token', () => {
  function expectNoSecret(error: unknown) {
    for (const rendering of [String(error), JSON.stringify(error), inspect(error, { depth: 8 }), (error as Error).stack ?? '']) {
      expect(rendering).not.toContain(TOKEN);
      expect(rendering).not.toContain(WEBHOOK_SECRET);
    }
  }

  async function failureOf(promise: Promise<void>): Promise<SlackNotifyError> {
    const error = await promise.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(SlackNotifyError);
    expectNoSecret(error);
    return error as SlackNotifyError;
  }

  it('HTTP 503 rejects at once as retryable, with the method and status in the message', async () => {
    const slack = await standIn();
    slack.answerWith(() => ({ status: 503, body: `upstream down; you sent Bearer ${TOKEN}` }));
    const notifier = createSlackNotifier({ token: TOKEN, adminChannel: ADMIN_CHANNEL, slackApiUrl: slack.apiUrl });
    const error = await failureOf(notifier.notify(notificationFor('request.submitted')));
    expect(error).toMatchObject({ code: 'http_error', status: 503, retryable: true, method: 'chat.postMessage' });
    expect(error.message).toBe('Slack chat.postMessage answered HTTP 503');
    expect(slack.calls).toHaveLength(1);
  });

  it('HTTP 429 rejects at once with Retry-After instead of waiting inside the client', async () => {
    const slack = await standIn();
    slack.answerWith(() => ({ status: 429, headers: { 'retry-after': '30' }, body: '' }));
    const notifier = createSlackNotifier({ token: TOKEN, slackApiUrl: slack.apiUrl });
    const error = await failureOf(notifier.notify(notificationFor('request.approved')));
    expect(error).toMatchObject({ code: 'rate_limited', retryAfterSeconds: 30, retryable: true, method: 'users.lookupByEmail' });
    expect(error.message).toContain('retry after 30 s');
    expect(slack.calls).toHaveLength(1);
  });

  it('a Slack platform error names the code and what to fix, and is not retryable when retrying cannot help', async () => {
    const slack = await standIn();
    slack.answerWith((call) =>
      call.method === 'chat.postMessage' ? { status: 200, body: JSON.stringify({ ok: false, error: 'not_in_channel' }) } : undefined,
    );
    const error = await failureOf(
      createSlackNotifier({ token: TOKEN, adminChannel: ADMIN_CHANNEL, slackApiUrl: slack.apiUrl }).notify(
        notificationFor('request.failed'),
      ),
    );
    expect(error).toMatchObject({ code: 'not_in_channel', retryable: false });
    expect(error.message).toContain('invite the app to the channel');
  });

  it('a wrong token is reported as invalid_auth without echoing it', async () => {
    const slack = await standIn();
    const wrong = `${TOKEN}-wrong`;
    const error = await createSlackNotifier({ token: wrong, adminChannel: ADMIN_CHANNEL, slackApiUrl: slack.apiUrl })
      .notify(notificationFor('request.submitted'))
      .then(
        () => undefined,
        (reason: unknown) => reason as SlackNotifyError,
      );
    expect(error).toMatchObject({ code: 'invalid_auth', retryable: false });
    expect(inspect(error, { depth: 8 })).not.toContain(wrong);
  });

  it('a Slack that is down (connection refused) rejects as retryable', async () => {
    const slack = await standIn();
    const apiUrl = slack.apiUrl;
    await slack.close();
    const error = await failureOf(
      createSlackNotifier({ token: TOKEN, adminChannel: ADMIN_CHANNEL, slackApiUrl: apiUrl }).notify(notificationFor('request.submitted')),
    );
    expect(error).toMatchObject({ code: 'request_failed', retryable: true });
    expect(error.message).toMatch(/^Slack chat\.postMessage request failed/);
  });

  it('a Slack that never answers rejects after timeoutMs as retryable', async () => {
    const slack = await standIn();
    slack.answerWith(() => 'hang');
    const notifier = createSlackNotifier({ token: TOKEN, adminChannel: ADMIN_CHANNEL, slackApiUrl: slack.apiUrl, timeoutMs: 100 });
    const error = await failureOf(notifier.notify(notificationFor('request.submitted')));
    expect(error).toMatchObject({ code: 'request_failed', retryable: true });
    expect(error.message).toBe('Slack chat.postMessage request timed out or was aborted');
  });

  it('an aborted delivery rejects without posting', async () => {
    const slack = await standIn();
    const controller = new AbortController();
    controller.abort();
    const notifier = createSlackNotifier({ token: TOKEN, adminChannel: ADMIN_CHANNEL, slackApiUrl: slack.apiUrl });
    const error = await failureOf(notifier.notify(notificationFor('request.submitted'), { signal: controller.signal }));
    expect(error).toMatchObject({ code: 'request_failed', retryable: true });
    expect(slack.posts).toEqual([]);
  });

  it('end to end: while Slack answers 503 the outbox keeps the notifications, and delivers each once Slack is back', async () => {
    const slack = await standIn();
    let up = false;
    slack.answerWith(() => (up ? undefined : { status: 503, body: 'down' }));
    let now = Date.parse('2026-03-01T09:00:00.000Z');
    let n = 0;
    const git = createFakeGit();
    const builder = { id: 'builder-1', email: 'bob@example.com', roles: ['builder' as const] };
    const admin = { id: 'admin-1', email: 'ada@example.com', roles: ['admin' as const] };
    const workspace = { id: 'ws-bob', name: "Bob's <shop>", blueprintId: 'bp-shop', ownerId: builder.id };
    const storage = createMemoryStorage();
    const gate = createPublishGate({
      storage,
      git,
      gitHost: createFakeGitHost({ branchExists: (branch) => git.remoteBranch(branch) !== undefined }),
      notifier: createSlackNotifier({ token: TOKEN, adminChannel: ADMIN_CHANNEL, slackApiUrl: slack.apiUrl }),
      clock: () => new Date(now),
      ids: () => `id-${++n}`,
      requestUrl: (request) => `https://portal.example/requests/${request.id}`,
    });
    git.write(workspace, 'index.html', '<h1>hi</h1>\n');
    const request = await gate.requestPublish({ workspace, subdomain: 'shop', actor: builder });
    await gate.approve({ id: request.id, actor: admin });
    await gate.sweep();
    expect(await storage.countPendingOutbox()).toBe(2);
    expect(slack.posts).toEqual([]);
    up = true;
    now += 3_600_000;
    expect((await gate.sweep()).delivered).toBe(2);
    expect(slack.invalid).toEqual([]);
    expect(slack.posts.map((post) => [post.channel, post.message.blocks[0]])).toEqual([
      [ADMIN_CHANNEL, { type: 'header', text: { type: 'plain_text', text: 'Publish request waiting for review', emoji: true } }],
      ['D_U_BOB', { type: 'header', text: { type: 'plain_text', text: 'Publish request approved', emoji: true } }],
    ]);
    expect(allText(slack.posts[0]?.message as PostedMessage)).toContain("Bob's &lt;shop&gt;");
    expect(buttonsOf(slack.posts[0]?.message as PostedMessage)[0]?.url).toBe(`https://portal.example/requests/${request.id}`);
    await gate.close();
  });
});

describe('createSlackNotifier with an incoming webhook', () => {
  it.each([...publishEventTypeSchema.options, 'request.from_the_future'])(
    '%s is posted to the webhook as valid Block Kit JSON',
    async (type) => {
      const slack = await standIn();
      await createSlackNotifier({ webhookUrl: slack.webhookUrl }).notify(notificationFor(type));
      expect(slack.invalid).toEqual([]);
      expect(slack.posts).toHaveLength(1);
      expect(slack.posts[0]?.message.blocks[0]).toMatchObject({ type: 'header', text: { text: expected[type]?.header } });
      expect(slack.posts[0]?.params.unfurl_links).toBe('false');
    },
  );

  it('HTTP 500 and a bare error code reject without the secret webhook URL in the error', async () => {
    const slack = await standIn();
    const notifier = createSlackNotifier({ webhookUrl: slack.webhookUrl });
    slack.answerWith(() => ({ status: 500, body: `oops at ${slack.webhookUrl}` }));
    const down = await notifier.notify(notificationFor('request.submitted')).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(down).toMatchObject({ code: 'http_error', status: 500, retryable: true, method: 'incoming-webhook' });
    slack.answerWith(() => ({ status: 404, body: 'no_service' }));
    const gone = await notifier.notify(notificationFor('request.submitted')).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(gone).toMatchObject({ code: 'no_service', status: 404, retryable: false });
    slack.answerWith(() => ({ status: 429, headers: { 'retry-after': '5' }, body: '' }));
    const limited = await notifier.notify(notificationFor('request.submitted')).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(limited).toMatchObject({ code: 'rate_limited', retryAfterSeconds: 5 });
    const url = slack.webhookUrl;
    await slack.close();
    const refused = await createSlackNotifier({ webhookUrl: url })
      .notify(notificationFor('request.submitted'))
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    expect(refused).toMatchObject({ code: 'request_failed', retryable: true });
    for (const error of [down, gone, limited, refused]) {
      expect(inspect(error, { depth: 8 })).not.toContain(WEBHOOK_SECRET);
      expect(String(error)).not.toContain(WEBHOOK_SECRET);
    }
  });
});

describe('request.closed says where the workspace went back to', () => {
  const sha = 'c0ffee1234567890c0ffee1234567890c0ffee12';

  it('the previous publication (short commit and subdomain), or that nothing is published and the subdomain is free', () => {
    const back = renderSlackMessage(
      notificationFor('request.closed', { publicationRestored: { requestId: 'req-0', sha, subdomain: 'old-shop' } }),
    );
    expect(JSON.stringify(back.blocks)).toContain('back to its previous publication (`c0ffee1` at `old-shop`)');
    const none = renderSlackMessage(notificationFor('request.closed', { publicationRestored: null }));
    expect(JSON.stringify(none.blocks)).toContain('Nothing of this workspace is published now, and `shop` is free again.');
    const silent = renderSlackMessage(notificationFor('request.closed'));
    expect(JSON.stringify(silent.blocks)).not.toMatch(/previous publication|published now/);
  });
});
