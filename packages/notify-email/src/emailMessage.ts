import type { Notification } from '@publishgate/core';

/** The parts of an email a notification becomes. */
export type RenderedEmail = {
  /** One line; control characters are removed before sending. */
  subject: string;
  /** The plain-text part. */
  text: string;
  /** The HTML part; every value from the notification in it must be escaped ({@link escapeHtml}). */
  html: string;
};

/** Options for {@link renderEmail}. */
export type RenderEmailOptions = {
  /** Link to the request's review page when the notification carries no `data.requestUrl`; only http(s) links are used. */
  requestUrl?: string;
  /** Put before every subject. Default `[publishgate]`. */
  subjectPrefix?: string;
  /** Product name in the footer. Default `publishgate`. */
  productName?: string;
};

/**
 * Escapes text for HTML content and quoted attribute values: `&`, `<`, `>`, `"` and `'`.
 *
 * @example
 * ```ts
 * escapeHtml('<img src=x onerror=alert(1)>'); // '&lt;img src=x onerror=alert(1)&gt;'
 * ```
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ENTITIES[char] ?? char);
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

type Link = { label: string; url: string };
type Content = {
  title: string;
  /** The lead sentence; `emphasis` marks a value (bold in HTML). Literal parts must be HTML-safe. */
  lead: (emphasis: (value: string) => string) => string;
  fields: Array<[label: string, value: string]>;
  quote?: { label: string; text: string };
  links: Link[];
  about: string;
};

/**
 * The default email for a notification: a subject naming the event and the workspace, a lead
 * sentence, the request's details (workspace, builder, subdomain, changes, findings), rejection
 * feedback or the failure quoted, and links to the review page, the pull request and the live
 * site. The HTML part escapes every value; links are http(s) only. Unknown event types get a
 * generic message.
 *
 * @example
 * ```ts
 * const { subject, text, html } = renderEmail(notification, { requestUrl: `https://portal.example/requests/${notification.requestId}` });
 * ```
 */
export function renderEmail(notification: Notification, options: RenderEmailOptions = {}): RenderedEmail {
  const content = describe(notification, options.requestUrl);
  const prefix = options.subjectPrefix ?? '[publishgate]';
  const product = options.productName ?? 'publishgate';
  const subject = oneLine(`${prefix ? `${prefix} ` : ''}${content.title}: ${content.about}`, 200);
  const footer = `${product} · ${notification.occurredAt}${notification.requestId ? ` · request ${notification.requestId}` : ''}`;

  const text = [
    content.title,
    '',
    content.lead((value) => value),
    '',
    ...content.fields.map(([label, value]) => `${label}: ${value}`),
    ...(content.quote ? ['', `${content.quote.label}:`, ...content.quote.text.split('\n').map((line) => `> ${line}`)] : []),
    ...(content.links.length > 0 ? ['', ...content.links.map((link) => `${link.label}: ${link.url}`)] : []),
    '',
    '-- ',
    footer,
  ].join('\n');

  const e = escapeHtml;
  const rows = content.fields
    .map(([label, value]) => `<tr><th align="left" style="padding:2px 12px 2px 0">${e(label)}</th><td>${e(value)}</td></tr>`)
    .join('');
  const html = [
    '<!doctype html>',
    `<html><head><meta charset="utf-8"><title>${e(content.title)}</title></head>`,
    '<body style="font-family:sans-serif;line-height:1.4">',
    `<h1 style="font-size:18px">${e(content.title)}</h1>`,
    `<p>${content.lead((value) => `<strong>${e(value)}</strong>`)}</p>`,
    rows ? `<table role="presentation">${rows}</table>` : '',
    content.quote
      ? `<p><strong>${e(content.quote.label)}</strong></p><blockquote style="margin:0 0 0 8px;padding-left:8px;border-left:3px solid #ccc;white-space:pre-wrap">${e(content.quote.text)}</blockquote>`
      : '',
    content.links.length > 0 ? `<p>${content.links.map((link) => `<a href="${e(link.url)}">${e(link.label)}</a>`).join(' · ')}</p>` : '',
    `<p style="color:#666;font-size:12px">${e(footer)}</p>`,
    '</body></html>',
  ].join('\n');

  return { subject, text, html };
}

// Where the workspace's publication went back to when its pull request was closed (core's
// `publicationRestored`: the earlier commit, or null for none); '' when the notification does not say.
function restoredSentence(value: unknown, subdomain: string, b: (text: string) => string): string {
  if (value === null) return ` Nothing of this workspace is published now, and ${b(subdomain)} is free again.`;
  if (typeof value !== 'object' || value === undefined) return '';
  const { sha, subdomain: restored } = value as Record<string, unknown>;
  if (typeof sha !== 'string' || !/^[0-9a-f]{7,64}$/.test(sha) || typeof restored !== 'string') return '';
  return ` The workspace is back to its previous publication (${b(sha.slice(0, 7))} at ${b(oneLine(restored, 70))}); the next publish is compared with it.`;
}

function describe(notification: Notification, fallbackRequestUrl: string | undefined): Content {
  const data = notification.data;
  const text = (key: string) => {
    const value = data[key];
    return typeof value === 'string' && value.trim() !== '' ? value : undefined;
  };
  const count = (key: string) => {
    const value = data[key];
    // Newer cores may send the findings themselves rather than their number.
    if (Array.isArray(value)) return value.length;
    return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  };
  const workspace = oneLine(text('workspaceName') ?? text('workspaceId') ?? 'a workspace', 150);
  const builder = oneLine(text('builderEmail') ?? 'A builder', 150);
  const subdomain = oneLine(text('subdomain') ?? '?', 70);
  const isRollback = text('kind') === 'rollback';
  const blueprint = oneLine(text('blueprintId') ?? '?', 100);
  const grantedBy = oneLine(text('grantedBy') ?? 'An admin', 150);
  const reviewUrl = safeUrl(data.requestUrl) ?? safeUrl(fallbackRequestUrl);
  const review = (label: string): Link[] => (reviewUrl ? [{ label, url: reviewUrl }] : []);
  const about = `${workspace} → ${subdomain}`;

  const fields: Content['fields'] = [];
  if (text('workspaceName') || text('subdomain')) {
    fields.push(['Workspace', workspace], ['Builder', builder], ['Subdomain', subdomain]);
    const files = count('files');
    const additions = count('additions');
    const deletions = count('deletions');
    if (files !== undefined || additions !== undefined || deletions !== undefined) {
      const fileText = files === undefined ? '' : `${files} ${files === 1 ? 'file' : 'files'}, `;
      fields.push(['Changes', `${fileText}+${additions ?? 0} −${deletions ?? 0}`]);
    }
    const findings = count('findings');
    if (findings !== undefined) fields.push(['Findings', findings === 0 ? 'none' : `${findings}: check them before approving`]);
  }
  const feedback = text('feedback');
  const error = text('error');
  const errorQuote = error ? { label: 'Error', text: clip(error, 2_000) } : undefined;

  switch (notification.type) {
    case 'request.submitted':
      return {
        title: isRollback ? 'Rollback waiting for review' : 'Publish request waiting for review',
        lead: isRollback
          ? (b) => `${b(builder)} asks to roll ${b(workspace)} on ${b(subdomain)} back to an earlier version.`
          : (b) => `${b(builder)} asks to publish ${b(workspace)} to ${b(subdomain)}.`,
        fields,
        links: review('Review the request'),
        about,
      };
    case 'request.reminder': {
      const since = text('pendingSince');
      const approvals = count('approvals');
      const required = count('requiredApprovals');
      const tally = approvals !== undefined && required !== undefined ? ` ${approvals} of ${required} approvals so far.` : '';
      return {
        title: 'Publish request still waiting for review',
        lead: (b) =>
          `${b(builder)} asked to publish ${b(workspace)} to ${b(subdomain)}${since ? ` on ${b(oneLine(since, 40))}` : ''}; it is still waiting for review.${tally}`,
        fields,
        links: review('Review the request'),
        about,
      };
    }
    case 'request.approved': {
      const pullRequest = safeUrl(data.pullRequestUrl);
      const site = safeUrl(data.url);
      return {
        title: 'Publish request approved',
        lead: (b) => `${b(workspace)} was approved for ${b(subdomain)}${pullRequest ? ' and a deployment pull request is open' : ''}.`,
        fields,
        links: [
          ...(pullRequest ? [{ label: 'View the pull request', url: pullRequest }] : []),
          ...(site ? [{ label: 'Open the site', url: site }] : []),
          ...review('Open the request'),
        ],
        about,
      };
    }
    case 'request.rejected':
      return {
        title: 'Publish request rejected',
        lead: (b) => `${b(workspace)} was not approved for ${b(subdomain)}. You can change your workspace and submit a new request.`,
        fields,
        quote: { label: 'Feedback', text: feedback ? clip(feedback, 2_000) : 'No feedback was given.' },
        links: review('Open the request'),
        about,
      };
    case 'request.failed':
      return {
        title: 'Publishing failed',
        lead: (b) => `Publishing ${b(workspace)} to ${b(subdomain)} failed. The approval stands; retry from the review page.`,
        fields,
        ...(errorQuote ? { quote: errorQuote } : {}),
        links: review('Review the request'),
        about,
      };
    case 'request.expired':
      return {
        title: 'Publish request expired',
        lead: (b) =>
          `Your request to publish ${b(workspace)} to ${b(subdomain)} expired before it was reviewed. Submit it again when you are ready.`,
        fields,
        links: review('Open the request'),
        about,
      };
    case 'request.withdrawn':
      return {
        title: 'Publish request withdrawn',
        lead: (b) => `${b(builder)} withdrew the request to publish ${b(workspace)} to ${b(subdomain)}. Nothing is left to review.`,
        fields,
        links: review('Open the request'),
        about,
      };
    case 'request.merged': {
      const pullRequest = safeUrl(data.pullRequestUrl);
      return {
        title: 'Pull request merged',
        lead: (b) => `The pull request for ${b(workspace)} (${b(subdomain)}) was merged; the deployment follows.`,
        fields,
        links: [...(pullRequest ? [{ label: 'View the pull request', url: pullRequest }] : []), ...review('Open the request')],
        about,
      };
    }
    case 'request.live': {
      const live = safeUrl(data.deploymentUrl) ?? safeUrl(data.url);
      return {
        title: 'Your site is live',
        lead: (b) => `${b(workspace)} is live${live ? ` at ${live}` : ''} (${b(subdomain)}).`,
        fields,
        links: [...(live ? [{ label: 'Open the site', url: live }] : []), ...review('Open the request')],
        about,
      };
    }
    case 'request.closed':
      return {
        title: 'Pull request closed without merging',
        lead: (b) =>
          `The pull request for ${b(workspace)} (${b(subdomain)}) was closed without merging: this version will not go live.${restoredSentence(data.publicationRestored, subdomain, b)}`,
        fields,
        links: review('Open the request'),
        about,
      };
    case 'request.deploy_failed':
      return {
        title: 'Deployment failed',
        lead: (b) =>
          `The deployment of ${b(workspace)} (${b(subdomain)}) failed after its pull request was merged. Ask an admin to look at it.`,
        fields,
        links: review('Open the request'),
        about,
      };
    case 'trust.granted':
    case 'trust.revoked': {
      const granted = notification.type === 'trust.granted';
      const expiresAt = text('expiresAt');
      return {
        title: granted ? 'You are a trusted builder' : 'Trusted-builder status revoked',
        lead: granted
          ? (b) =>
              `${b(grantedBy)} trusted you on blueprint ${b(blueprint)}: your publish requests for it are approved without review, unless their diff has likely secrets.`
          : (b) => `${b(grantedBy)} revoked your trust on blueprint ${b(blueprint)}: your next publish requests for it wait for review.`,
        fields: [
          ['Blueprint', blueprint],
          ['By', grantedBy],
          ...(expiresAt ? [['Expires', oneLine(expiresAt, 40)] as [string, string]] : []),
        ],
        links: [],
        about: `blueprint ${blueprint}`,
      };
    }
    default:
      // A newer core may send types this version does not know: say what happened, generically.
      return {
        title: 'Publish request update',
        lead: (b) =>
          `Event ${b(oneLine(String(notification.type), 80))}${text('subdomain') ? ` for ${b(workspace)} (${b(subdomain)})` : ''}.`,
        fields,
        ...(errorQuote ? { quote: errorQuote } : {}),
        links: review('Open the request'),
        about: text('subdomain') ? about : oneLine(String(notification.type), 80),
      };
  }
}

// User text on one line: line breaks and other control characters would let a name forge extra
// lines (or, in a subject, extra headers).
function oneLine(value: string, max: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is removed
  return clip(value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim(), max);
}

function clip(value: string, max: number): string {
  if (value.length <= max) return value;
  const cut = /[\ud800-\udbff]/.test(value.charAt(max - 2)) ? max - 2 : max - 1;
  return `${value.slice(0, cut)}…`;
}

function safeUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 2_000) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) return undefined;
  return url.href;
}
