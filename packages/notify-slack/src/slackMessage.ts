import type { Notification } from '@publishgate/core';
import type { ActionsBlock, Button, KnownBlock, MrkdwnElement } from '@slack/types';
import { blockText, codeText, inlineText } from './mrkdwn.js';

/** A Slack message: the notification `text` (also the screen-reader and push-preview text) and Block Kit `blocks`. */
export type SlackMessage = { text: string; blocks: KnownBlock[] };

/** Options for {@link renderSlackMessage}. */
export type RenderSlackMessageOptions = {
  /**
   * Link to the request's review page, used when the notification carries no `data.requestUrl`.
   * Only http(s) links are used.
   */
  requestUrl?: string;
};

/** Action ids of the link buttons; each only opens a page, none decides anything. */
export const SLACK_ACTION_IDS = {
  review: 'publishgate_open_review',
  pullRequest: 'publishgate_open_pull_request',
  site: 'publishgate_open_site',
} as const;

type Reader = {
  text(key: string): string | undefined;
  count(key: string): number | undefined;
  url(key: string): string | undefined;
};

/**
 * The Block Kit message for a notification: a header, one sentence saying what happened, the
 * request's fields (workspace, builder, subdomain, diff size, findings), feedback or error text,
 * and link buttons (review page, pull request, live site). Every value from the notification is
 * escaped for mrkdwn and rendered `verbatim`, so user text never pings, links or formats; links are
 * only ever buttons to http(s) URLs, which open a page where a signed-in admin decides. Unknown
 * event types get a generic message.
 *
 * @example
 * ```ts
 * const { text, blocks } = renderSlackMessage(notification, { requestUrl: `https://portal.example/requests/${notification.requestId}` });
 * ```
 */
export function renderSlackMessage(notification: Notification, options: RenderSlackMessageOptions = {}): SlackMessage {
  const data = reader(notification.data);
  const reviewUrl = data.url('requestUrl') ?? safeUrl(options.requestUrl);
  const workspace = inlineText(data.text('workspaceName') ?? data.text('workspaceId') ?? 'a workspace', 150);
  const builder = inlineText(data.text('builderEmail') ?? 'A builder', 150);
  const subdomain = codeText(data.text('subdomain') ?? '?', 70);
  const isRollback = data.text('kind') === 'rollback';
  const blueprint = codeText(data.text('blueprintId') ?? '?', 100);
  const grantedBy = inlineText(data.text('grantedBy') ?? 'An admin', 150);
  const blocks: KnownBlock[] = [];
  const buttons: Button[] = [];
  const reviewButton = (label: string, primary: boolean) => {
    if (reviewUrl) buttons.push(button(SLACK_ACTION_IDS.review, label, reviewUrl, primary));
  };
  let title: string;
  let lead: string;

  switch (notification.type) {
    case 'request.submitted':
      title = isRollback ? 'Rollback waiting for review' : 'Publish request waiting for review';
      lead = isRollback
        ? `*${builder}* asks to roll *${workspace}* on ${subdomain} back to an earlier version.`
        : `*${builder}* asks to publish *${workspace}* to ${subdomain}.`;
      if ((data.count('findings') ?? 0) > 0) lead += ' :warning: The diff has findings: check them before approving.';
      reviewButton('Review request', true);
      break;
    case 'request.reminder': {
      title = 'Publish request still waiting for review';
      const since = data.text('pendingSince');
      const approvals = data.count('approvals');
      const required = data.count('requiredApprovals');
      lead = `*${builder}* asked to publish *${workspace}* to ${subdomain}${since ? ` on ${inlineText(since, 40)}` : ''}; it is still waiting for review.`;
      if (approvals !== undefined && required !== undefined) lead += ` ${approvals} of ${required} approvals so far.`;
      reviewButton('Review request', true);
      break;
    }
    case 'request.approved': {
      title = 'Publish request approved';
      const pullRequest = data.url('pullRequestUrl');
      lead = `*${workspace}* was approved for ${subdomain}${pullRequest ? ' and a deployment pull request is open' : ''}.`;
      if (pullRequest) buttons.push(button(SLACK_ACTION_IDS.pullRequest, 'View pull request', pullRequest, true));
      const site = data.url('url');
      if (site) buttons.push(button(SLACK_ACTION_IDS.site, 'Open site', site, false));
      reviewButton('Open request', false);
      break;
    }
    case 'request.rejected':
      title = 'Publish request rejected';
      lead = `*${workspace}* was not approved for ${subdomain}. You can change your workspace and submit a new request.`;
      reviewButton('Open request', true);
      break;
    case 'request.failed':
      title = 'Publishing failed';
      lead = `Publishing *${workspace}* to ${subdomain} failed. The approval stands; retry from the review page.`;
      reviewButton('Review request', true);
      break;
    case 'request.expired':
      title = 'Publish request expired';
      lead = `Your request to publish *${workspace}* to ${subdomain} expired before it was reviewed. Submit it again when you are ready.`;
      reviewButton('Open request', false);
      break;
    case 'request.withdrawn':
      title = 'Publish request withdrawn';
      lead = `*${builder}* withdrew the request to publish *${workspace}* to ${subdomain}. Nothing is left to review.`;
      reviewButton('Open request', false);
      break;
    case 'request.merged': {
      title = 'Pull request merged';
      lead = `The pull request for *${workspace}* (${subdomain}) was merged; the deployment follows.`;
      const pullRequest = data.url('pullRequestUrl');
      if (pullRequest) buttons.push(button(SLACK_ACTION_IDS.pullRequest, 'View pull request', pullRequest, false));
      reviewButton('Open request', false);
      break;
    }
    case 'request.live': {
      title = 'Your site is live';
      const live = data.url('deploymentUrl') ?? data.url('url');
      lead = `*${workspace}* is live${live ? ` at ${live}` : ''} (${subdomain}).`;
      if (live) buttons.push(button(SLACK_ACTION_IDS.site, 'Open site', live, true));
      reviewButton('Open request', false);
      break;
    }
    case 'request.closed':
      title = 'Pull request closed without merging';
      lead = `The pull request for *${workspace}* (${subdomain}) was closed without merging: this version will not go live.`;
      lead += restoredSentence(notification.data.publicationRestored, subdomain);
      reviewButton('Open request', true);
      break;
    case 'request.deploy_failed':
      title = 'Deployment failed';
      lead = `The deployment of *${workspace}* (${subdomain}) failed after its pull request was merged. Ask an admin to look at it.`;
      reviewButton('Open request', true);
      break;
    case 'trust.granted':
      title = 'You are a trusted builder';
      lead = `*${grantedBy}* trusted you on blueprint ${blueprint}: your publish requests for it are approved without review, unless their diff has likely secrets.`;
      break;
    case 'trust.revoked':
      title = 'Trusted-builder status revoked';
      lead = `*${grantedBy}* revoked your trust on blueprint ${blueprint}: your next publish requests for it wait for review.`;
      break;
    default:
      // A newer core may send types this version does not know: say what happened, generically.
      title = 'Publish request update';
      lead = `Event ${codeText(String(notification.type), 80)}${data.text('subdomain') ? ` for *${workspace}* (${subdomain})` : ''}.`;
      reviewButton('Open request', false);
  }

  blocks.push({ type: 'header', text: { type: 'plain_text', text: title, emoji: true } });
  blocks.push({ type: 'section', text: mrkdwn(lead) });
  const fields = notification.type.startsWith('trust.') ? trustFields(data) : requestFields(data, workspace, builder, subdomain);
  if (fields.length > 0) blocks.push({ type: 'section', fields });
  const feedback = data.text('feedback');
  if (notification.type === 'request.rejected') {
    blocks.push({ type: 'section', text: mrkdwn(feedback ? `*Feedback*\n${quote(feedback)}` : '_No feedback was given._') });
  }
  const error = data.text('error');
  if (error && notification.type !== 'request.rejected') blocks.push({ type: 'section', text: mrkdwn(`*Error*\n${quote(error)}`) });
  if (buttons.length > 0) blocks.push({ type: 'actions', elements: buttons } satisfies ActionsBlock);
  const context = [`publishgate · ${inlineText(notification.occurredAt, 40)}`];
  if (notification.requestId) context.push(`request ${codeText(notification.requestId, 100)}`);
  blocks.push({ type: 'context', elements: [mrkdwn(context.join(' · '))] });

  const about = notification.type.startsWith('trust.') ? blueprint : `${workspace} → ${subdomain}`;
  return { text: `${title}: ${about}`, blocks };
}

function requestFields(data: Reader, workspace: string, builder: string, subdomain: string): MrkdwnElement[] {
  if (!data.text('workspaceName') && !data.text('subdomain')) return [];
  const fields = [field('Workspace', workspace), field('Builder', builder), field('Subdomain', subdomain)];
  const files = data.count('files');
  const additions = data.count('additions');
  const deletions = data.count('deletions');
  if (files !== undefined || additions !== undefined || deletions !== undefined) {
    const fileText = files === undefined ? '' : `${files} ${files === 1 ? 'file' : 'files'}, `;
    fields.push(field('Changes', `${fileText}+${additions ?? 0} −${deletions ?? 0}`));
  }
  const findings = data.count('findings');
  if (findings !== undefined) fields.push(field('Findings', findings === 0 ? 'none' : `:warning: ${findings}`));
  return fields;
}

function trustFields(data: Reader): MrkdwnElement[] {
  const fields: MrkdwnElement[] = [];
  const blueprintId = data.text('blueprintId');
  if (blueprintId) fields.push(field('Blueprint', codeText(blueprintId)));
  const grantedBy = data.text('grantedBy');
  if (grantedBy) fields.push(field('By', inlineText(grantedBy, 150)));
  const expiresAt = data.text('expiresAt');
  if (expiresAt) fields.push(field('Expires', inlineText(expiresAt, 40)));
  return fields;
}

// Every text object is verbatim: Slack then neither links bare URLs or #channel names nor parses
// mentions in it, on top of the escaping of & < > in the values.
function mrkdwn(text: string): MrkdwnElement {
  return { type: 'mrkdwn', text, verbatim: true };
}

function field(label: string, value: string): MrkdwnElement {
  return mrkdwn(`*${label}*\n${value}`);
}

function quote(value: string): string {
  return `>${blockText(value, 2_000).replace(/\n/g, '\n>')}`;
}

function button(actionId: string, label: string, url: string, primary: boolean): Button {
  return { type: 'button', action_id: actionId, text: { type: 'plain_text', text: label }, url, ...(primary ? { style: 'primary' } : {}) };
}

// Where the workspace's publication went back to when its pull request was closed (core's
// `publicationRestored`: the earlier commit, or null for none); '' when the notification does not say.
function restoredSentence(value: unknown, subdomain: string): string {
  if (value === null) return ` Nothing of this workspace is published now, and ${subdomain} is free again.`;
  if (typeof value !== 'object' || value === undefined) return '';
  const { sha, subdomain: restored } = value as Record<string, unknown>;
  if (typeof sha !== 'string' || !/^[0-9a-f]{7,64}$/.test(sha) || typeof restored !== 'string') return '';
  return ` The workspace is back to its previous publication (${codeText(sha.slice(0, 7), 7)} at ${codeText(restored, 70)}); the next publish is compared with it.`;
}

function reader(data: Record<string, unknown>): Reader {
  return {
    text(key) {
      const value = data[key];
      return typeof value === 'string' && value.trim() !== '' ? value : undefined;
    },
    count(key) {
      const value = data[key];
      // Newer cores may send the findings themselves rather than their number.
      if (Array.isArray(value)) return value.length;
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
    },
    url(key) {
      return safeUrl(data[key]);
    },
  };
}

// An http(s) URL without credentials that fits a Slack button, or undefined.
function safeUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 3_000) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) return undefined;
  return url.href.length <= 3_000 ? url.href : undefined;
}
