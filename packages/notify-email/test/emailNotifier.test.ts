import { inspect } from 'node:util';
import { createMemoryStorage, createPublishGate, publishEventTypeSchema } from '@publishgate/core';
import { createFakeGit, createFakeGitHost, notificationExample } from '@publishgate/core/testing';
import { createEmailNotifier, EmailNotifyError, escapeHtml, renderEmail } from '@publishgate/notify-email';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { startSmtpStandIn } from './smtpStandIn';

const FROM = 'Publishing <publishing@portal.example>';
const ADMINS = ['ada@example.com', 'grace@example.com'];
const REVIEW_URL = 'https://portal.example/requests/req-1';

const notificationFor = notificationExample;

// What each event's email must say (in both parts) and link to.
const expected: Record<string, { subject: string; says: string[]; links: string[] }> = {
  'request.submitted': {
    subject: "[publishgate] Publish request waiting for review: Bob's shop → shop",
    says: ["bob@example.com asks to publish Bob's shop to shop.", 'Changes: 3 files, +10 −2', 'Findings: 2: check them before approving'],
    links: [REVIEW_URL],
  },
  'request.approved': {
    subject: "[publishgate] Publish request approved: Bob's shop → shop",
    says: ['deployment pull request is open'],
    links: ['https://github.example/acme/apps/pull/7', 'https://shop.apps.example/', REVIEW_URL],
  },
  'request.rejected': {
    subject: "[publishgate] Publish request rejected: Bob's shop → shop",
    says: ['Please remove the debug page.', 'submit a new request'],
    links: [REVIEW_URL],
  },
  'request.failed': {
    subject: "[publishgate] Publishing failed: Bob's shop → shop",
    says: ['push refused by the remote', 'retry from the review page'],
    links: [REVIEW_URL],
  },
  'request.expired': {
    subject: "[publishgate] Publish request expired: Bob's shop → shop",
    says: ['expired before it was reviewed'],
    links: [REVIEW_URL],
  },
  'request.withdrawn': {
    subject: "[publishgate] Publish request withdrawn: Bob's shop → shop",
    says: ['bob@example.com withdrew the request'],
    links: [REVIEW_URL],
  },
  'trust.granted': {
    subject: '[publishgate] You are a trusted builder: blueprint bp-shop',
    says: ['ada@example.com trusted you on blueprint bp-shop', 'Expires: 2026-09-01T00:00:00.000Z'],
    links: [],
  },
  'trust.revoked': {
    subject: '[publishgate] Trusted-builder status revoked: blueprint bp-shop',
    says: ['revoked your trust on blueprint bp-shop'],
    links: [],
  },
  'request.merged': {
    subject: "[publishgate] Pull request merged: Bob's shop → shop",
    says: ["The pull request for Bob's shop (shop) was merged"],
    links: ['https://github.example/acme/apps/pull/7', REVIEW_URL],
  },
  'request.live': {
    subject: "[publishgate] Your site is live: Bob's shop → shop",
    says: ["Bob's shop is live at https://shop.apps.example/"],
    links: ['https://shop.apps.example/', REVIEW_URL],
  },
  'request.closed': {
    subject: "[publishgate] Pull request closed without merging: Bob's shop → shop",
    says: ['was closed without merging'],
    links: [REVIEW_URL],
  },
  'request.reminder': {
    subject: "[publishgate] Publish request still waiting for review: Bob's shop → shop",
    says: ["bob@example.com asked to publish Bob's shop to shop on 2026-02-27T09:00:00.000Z", '1 of 2 approvals so far.'],
    links: [REVIEW_URL],
  },
  'request.deploy_failed': {
    subject: "[publishgate] Deployment failed: Bob's shop → shop",
    says: ['failed after its pull request was merged'],
    links: [REVIEW_URL],
  },
  // A type from a newer core: said generically.
  'request.from_the_future': {
    subject: "[publishgate] Publish request update: Bob's shop → shop",
    says: ["Event request.from_the_future for Bob's shop (shop)."],
    links: [REVIEW_URL],
  },
};

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function smtp(options: Parameters<typeof startSmtpStandIn>[0] = {}) {
  const server = await startSmtpStandIn(options);
  closers.push(server.close);
  return server;
}

function transportTo(port: number, auth?: { user: string; pass: string }) {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, ...(auth ? { auth } : {}) });
  closers.push(async () => transport.close());
  return transport;
}

// What a reader sees in the HTML part: table rows as "label: value", tags gone, entities decoded.
function visibleText(html: string): string {
  const entities: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&amp;': '&' };
  return html
    .replace(/<\/th><td>/g, ': ')
    .replace(/<[^>]+>/g, '')
    .replace(/&(lt|gt|quot|#39|amp);/g, (entity) => entities[entity] ?? entity);
}

function anchors(html: string): string[] {
  return [...html.matchAll(/<a href="([^"]*)">/g)].map((match) => match[1] ?? '');
}

describe('createEmailNotifier against a local SMTP server', () => {
  it.each([...publishEventTypeSchema.options, 'request.from_the_future'])(
    '%s arrives as a plain-text and HTML email to the right people',
    async (type) => {
      const server = await smtp();
      const notifier = createEmailNotifier({ transport: transportTo(server.port), from: FROM, adminAddresses: ADMINS });
      await notifier.notify(notificationFor(type));
      const [message] = server.received;
      if (!message) throw new Error('no email arrived');
      const want = expected[type];
      if (!want) throw new Error(`no expectation for ${type}`);
      expect(message.envelope.to).toEqual('email' in notificationFor(type).to ? ['bob@example.com'] : ADMINS);
      expect(message.envelope.from).toBe('publishing@portal.example');
      expect(message.mail.subject).toBe(want.subject);
      expect(message.mail.messageId).toBe(`<publishgate.note-${type}@portal.example>`);
      expect(message.mail.headers.get('x-publishgate-event')).toBe(type);
      expect(message.mail.headers.get('auto-submitted')).toBe('auto-generated');
      const text = message.mail.text ?? '';
      const html = typeof message.mail.html === 'string' ? message.mail.html : '';
      for (const phrase of want.says) {
        expect(text).toContain(phrase);
        expect(visibleText(html)).toContain(phrase);
      }
      expect(anchors(html)).toEqual(want.links);
      for (const link of want.links) expect(text).toContain(link);
      expect(html).toMatch(/^<!doctype html>/);
    },
  );

  it('sends a reminder to the addresses approverAddresses resolves, and to the admins when it resolves none', async () => {
    const server = await smtp();
    const asked: unknown[] = [];
    const notifier = createEmailNotifier({
      transport: transportTo(server.port),
      from: FROM,
      adminAddresses: ADMINS,
      approverAddresses: (approvers) => {
        asked.push(approvers);
        return approvers.some((approver) => 'userId' in approver) ? ['rita@example.com', 'not an address'] : [];
      },
    });
    await notifier.notify(notificationFor('request.reminder'));
    await notifier.notify({ ...notificationFor('request.reminder'), id: 'note-2', to: { approvers: [{ role: 'admin' }] } });
    expect(asked).toEqual([[{ role: 'admin' }, { userId: 'reviewer-1' }], [{ role: 'admin' }]]);
    expect(server.received.map((message) => message.envelope.to)).toEqual([['rita@example.com'], ADMINS]);
  });

  it('shows the request details as a table in HTML and label lines in text', async () => {
    const server = await smtp();
    await createEmailNotifier({ transport: transportTo(server.port), from: FROM, adminAddresses: ADMINS }).notify(
      notificationFor('request.submitted'),
    );
    const mail = server.received[0]?.mail;
    expect(mail?.text).toContain("Workspace: Bob's shop\nBuilder: bob@example.com\nSubdomain: shop\nChanges: 3 files, +10 −2");
    expect(mail?.html).toContain('<th align="left" style="padding:2px 12px 2px 0">Workspace</th><td>Bob&#39;s shop</td>');
  });

  it('a rollback waiting for review says so in the subject and the text', async () => {
    const server = await smtp();
    await createEmailNotifier({ transport: transportTo(server.port), from: FROM, adminAddresses: ADMINS }).notify(
      notificationFor('request.submitted', { kind: 'rollback', rollbackOf: 'req-1' }),
    );
    const mail = server.received[0]?.mail;
    expect(mail?.subject).toBe("[publishgate] Rollback waiting for review: Bob's shop → shop");
    expect(mail?.text).toContain("bob@example.com asks to roll Bob's shop on shop back to an earlier version.");
  });

  it('escapes XSS-looking user data in the HTML part, drops unsafe links and keeps the subject on one line', async () => {
    const server = await smtp();
    const notifier = createEmailNotifier({ transport: transportTo(server.port), from: FROM, adminAddresses: ADMINS });
    await notifier.notify(
      notificationFor('request.rejected', {
        workspaceName: '<img src=x onerror=alert(1)>\r\nBcc: evil@example.com',
        builderEmail: '"><script>alert(document.cookie)</script>',
        feedback: '<script>alert("x")</script> & \'quoted\'\n<a href="https://evil.example">click</a>',
        requestUrl: 'javascript:alert(1)',
        url: 'https://shop.apps.example/"><script>alert(1)</script>',
      }),
    );
    const [message] = server.received;
    if (!message) throw new Error('no email arrived');
    const html = typeof message.mail.html === 'string' ? message.mail.html : '';
    expect(html).not.toMatch(/<script|<img|<a href="https:\/\/evil|javascript:/i);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; Bcc: evil@example.com');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;');
    expect(anchors(html)).toEqual([]);
    // No header was injected: the only recipient is the builder, and the subject is one line.
    expect(message.envelope.to).toEqual(['bob@example.com']);
    expect(message.mail.bcc).toBeUndefined();
    expect(message.mail.subject).toBe('[publishgate] Publish request rejected: <img src=x onerror=alert(1)> Bcc: evil@example.com → shop');
    // The plain-text part carries the text as typed: it is never rendered as markup.
    expect(message.mail.text).toContain('> <script>alert("x")</script> & \'quoted\'');
  });

  it('a retried notification keeps its Message-ID so mail systems can drop the duplicate', async () => {
    const server = await smtp();
    const notifier = createEmailNotifier({ transport: transportTo(server.port), from: FROM, adminAddresses: ADMINS });
    await notifier.notify(notificationFor('request.approved'));
    await notifier.notify(notificationFor('request.approved'));
    expect(server.received.map((message) => message.mail.messageId)).toEqual([
      '<publishgate.note-request.approved@portal.example>',
      '<publishgate.note-request.approved@portal.example>',
    ]);
  });

  it('render() and subjectPrefix change the email; requestUrl() fills in a missing link; filter() skips', async () => {
    const server = await smtp();
    const notifier = createEmailNotifier({
      transport: transportTo(server.port),
      from: FROM,
      adminAddresses: ADMINS,
      subjectPrefix: '[Portal]',
      requestUrl: (notification) => `https://portal.example/review/${notification.requestId}`,
      render: (_, email) => ({ ...email, subject: `${email.subject}\r\nX-Evil: 1` }),
      filter: (notification) => notification.type !== 'trust.revoked',
    });
    await notifier.notify(notificationFor('request.submitted', { requestUrl: undefined }));
    await notifier.notify(notificationFor('trust.revoked'));
    expect(server.received).toHaveLength(1);
    const mail = server.received[0]?.mail;
    expect(mail?.subject).toBe("[Portal] Publish request waiting for review: Bob's shop → shop X-Evil: 1");
    expect(mail?.headers.has('x-evil')).toBe(false);
    expect(anchors(typeof mail?.html === 'string' ? mail.html : '')).toEqual(['https://portal.example/review/req-1']);
  });

  it('escapeHtml escapes the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>Tom & Jerry</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;Tom &amp; Jerry&lt;/a&gt;',
    );
  });

  it('refuses a configuration without a transport, a sender address or admin addresses', () => {
    const transport = { sendMail: async () => undefined };
    expect(() => createEmailNotifier({ transport: {} as never, from: FROM, adminAddresses: ADMINS })).toThrow(/transport/);
    expect(() => createEmailNotifier({ transport, from: 'Publishing', adminAddresses: ADMINS })).toThrow(/from/);
    expect(() => createEmailNotifier({ transport, from: FROM, adminAddresses: [] })).toThrow(/adminAddresses/);
    expect(() => createEmailNotifier({ transport, from: FROM, adminAddresses: ['not an address'] })).toThrow(/adminAddresses/);
  });
});

describe('an SMTP server that fails: notify rejects so the outbox retries', () => {
  async function failureOf(promise: Promise<void>): Promise<EmailNotifyError> {
    const error = await promise.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(EmailNotifyError);
    return error as EmailNotifyError;
  }

  it('a server that is down (connection refused) rejects as retryable, naming the network code under ESOCKET', async () => {
    const server = await smtp();
    const { port } = server;
    await server.close();
    const notifier = createEmailNotifier({ transport: transportTo(port), from: FROM, adminAddresses: ADMINS });
    const error = await failureOf(notifier.notify(notificationFor('request.submitted')));
    expect(error).toMatchObject({ code: 'ESOCKET', retryable: true });
    expect(error.message).toBe('email delivery failed: ESOCKET ECONNREFUSED (after CONN)');
  });

  it('a temporary refusal (451) is retryable; a permanent one (550) is not', async () => {
    const server = await smtp();
    const notifier = createEmailNotifier({ transport: transportTo(server.port), from: FROM, adminAddresses: ADMINS });
    server.refuseWith(() => ({ code: 451, message: 'try again later' }));
    expect(await failureOf(notifier.notify(notificationFor('request.submitted')))).toMatchObject({
      code: 'EMESSAGE',
      responseCode: 451,
      retryable: true,
    });
    server.refuseWith(() => ({ code: 550, message: 'mailbox unavailable' }));
    const permanent = await failureOf(notifier.notify(notificationFor('request.submitted')));
    expect(permanent).toMatchObject({ responseCode: 550, retryable: false });
    expect(permanent.message).toBe('email delivery failed: EMESSAGE (SMTP 550 after DATA)');
  });

  it('a failed login is not retryable and the password appears nowhere in the error', async () => {
    const password = 'smtp-password-canary-31337';
    const server = await smtp({ auth: { user: 'mailer', pass: 'the-right-one' } });
    const notifier = createEmailNotifier({
      transport: transportTo(server.port, { user: 'mailer', pass: password }),
      from: FROM,
      adminAddresses: ADMINS,
    });
    const error = await failureOf(notifier.notify(notificationFor('request.submitted')));
    expect(error).toMatchObject({ code: 'EAUTH', responseCode: 535, retryable: false });
    for (const rendering of [String(error), JSON.stringify(error), inspect(error, { depth: 8 }), error.stack ?? '']) {
      expect(rendering).not.toContain(password);
    }
    expect(server.received).toEqual([]);
  });

  it('an aborted delivery rejects before anything is sent', async () => {
    const server = await smtp();
    const controller = new AbortController();
    controller.abort();
    const notifier = createEmailNotifier({ transport: transportTo(server.port), from: FROM, adminAddresses: ADMINS });
    expect(await failureOf(notifier.notify(notificationFor('request.submitted'), { signal: controller.signal }))).toMatchObject({
      code: 'EABORTED',
    });
    expect(server.received).toEqual([]);
  });

  it('end to end: while the server refuses, the outbox keeps the notifications and delivers each once it accepts', async () => {
    const server = await smtp();
    server.refuseWith(() => ({ code: 421, message: 'service not available' }));
    let now = Date.parse('2026-03-01T09:00:00.000Z');
    let n = 0;
    const git = createFakeGit();
    const builder = { id: 'builder-1', email: 'bob@example.com', roles: ['builder' as const] };
    const admin = { id: 'admin-1', email: 'ada@example.com', roles: ['admin' as const] };
    const workspace = { id: 'ws-bob', name: 'Bob <b>shop</b>', blueprintId: 'bp-shop', ownerId: builder.id };
    const storage = createMemoryStorage();
    const gate = createPublishGate({
      storage,
      git,
      gitHost: createFakeGitHost({ branchExists: (branch) => git.remoteBranch(branch) !== undefined }),
      notifier: createEmailNotifier({ transport: transportTo(server.port), from: FROM, adminAddresses: ADMINS }),
      clock: () => new Date(now),
      ids: () => `id-${++n}`,
      requestUrl: (request) => `https://portal.example/requests/${request.id}`,
    });
    git.write(workspace, 'index.html', '<h1>hi</h1>\n');
    const request = await gate.requestPublish({ workspace, subdomain: 'shop', actor: builder });
    await gate.approve({ id: request.id, actor: admin });
    await gate.sweep();
    expect(await storage.countPendingOutbox()).toBe(2);
    expect(server.received).toEqual([]);
    server.refuseWith(undefined);
    now += 3_600_000;
    expect((await gate.sweep()).delivered).toBe(2);
    expect(server.received.map((message) => [message.envelope.to, message.mail.subject])).toEqual([
      [ADMINS, '[publishgate] Publish request waiting for review: Bob <b>shop</b> → shop'],
      [['bob@example.com'], '[publishgate] Publish request approved: Bob <b>shop</b> → shop'],
    ]);
    expect(server.received[0]?.mail.html).toContain('Bob &lt;b&gt;shop&lt;/b&gt;');
    await gate.close();
  });
});

describe('request.closed says where the workspace went back to', () => {
  const sha = 'c0ffee1234567890c0ffee1234567890c0ffee12';

  it('the previous publication (short commit and subdomain), or that nothing is published and the subdomain is free', () => {
    const back = renderEmail(
      notificationExample('request.closed', { publicationRestored: { requestId: 'req-0', sha, subdomain: 'old-shop' } }),
    );
    expect(back.text).toContain('back to its previous publication (c0ffee1 at old-shop)');
    expect(back.html).toContain('<strong>c0ffee1</strong>');
    const none = renderEmail(notificationExample('request.closed', { publicationRestored: null }));
    expect(none.text).toContain('Nothing of this workspace is published now, and shop is free again.');
    expect(renderEmail(notificationExample('request.closed')).text).not.toMatch(/previous publication|published now/);
  });
});
