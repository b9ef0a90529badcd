import type { DiffFile, Finding, PublishGateErrorCode, PublishRequest, PublishStatus } from '@publishgate/core/client';

/** Where a publish in `approving` is (the request's `progress.step`). */
type PublishStep = NonNullable<PublishRequest['progress']>['step'];
type DeliveryState = NonNullable<PublishRequest['delivery']>['state'];

// Created on first use and kept: building an Intl formatter costs far more than formatting, and a
// queue formats one timestamp per row.
let formatter: Intl.DateTimeFormat | undefined;
const dateFormat = (iso: string): string => {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  formatter ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  return formatter.format(date);
};

const pad = (n: number) => String(n).padStart(2, '0');
// Local HH:MM: the next try is minutes away, so the date would only be noise.
const timeFormat = (iso: string): string => {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
};

// "1 file", "2 files"; `many` only where the plural is not the word plus "s".
const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

// Texts several groups show alike, defined once; every group still has its own keys to override.
/** The fields of a request, as the queue's columns and the review's list name them. */
const requestFields = {
  workspace: 'Workspace',
  builder: 'Builder',
  subdomain: 'Subdomain',
  submitted: 'Submitted',
  changes: 'Changes',
  status: 'Status',
  trusted: 'Trusted builder',
};
const decisions = { approved: 'Approved', rejected: 'Rejected' };
const pullRequest = (number: number) => `Pull request #${number}`;
const reviewerNote = 'Note for the reviewer (optional)';
const done = 'Done';
const decideRequests = (decision: 'approve' | 'reject', count: number) =>
  `${decision === 'approve' ? 'Approve' : 'Reject'} ${plural(count, 'request')}`;

/**
 * Every text the components show, in English. Pass a partial copy as the `labels` prop of a
 * component (or of `<PublishGateProvider>` for all of them) to translate or reword; functions
 * receive the values to interpolate. User data is always passed in as plain strings and rendered
 * as text, whatever a label function returns around it.
 */
export const defaultLabels = {
  common: {
    loading: 'Loading…',
    retry: 'Try again',
    close: 'Close',
    cancel: 'Cancel',
    /** How timestamps are shown (the `<time>` element keeps the ISO value). */
    formatDateTime: dateFormat,
    /** How a time later today is shown (the next publish attempt): local `HH:MM`. */
    formatTime: timeFormat,
    /** An error from the server or the network, as shown to the user. */
    errorMessage: (error: Error): string => error.message || 'Something went wrong.',
  },
  status: {
    pending: 'Pending review',
    approving: 'Publishing',
    approved: 'Published',
    rejected: 'Rejected',
    withdrawn: 'Withdrawn',
    expired: 'Expired',
    failed: 'Publish failed',
  } satisfies Record<PublishStatus, string>,
  /** What became of an approved request's pull request (`request.delivery`), in the builder's status and the review. */
  delivery: {
    states: {
      'pull-request-open': 'Pull request open',
      merged: 'Merged',
      live: 'Live',
      'closed-unmerged': 'Closed without merging',
      'deploy-failed': 'Deployment failed',
    } satisfies Record<DeliveryState, string>,
    /** Before the link to where the site is live (`live` with a deployment address). */
    liveAt: 'Live at',
  },
  /** The progress of a request while it is publishing (`approving`), and how a failed publish ended. */
  progress: {
    /** Accessible name of the progress indicator (`role="status"`). */
    label: 'Publish progress',
    steps: {
      queued: 'Queued',
      pushing: 'Pushing the commit',
      'opening-pull-request': 'Opening the pull request',
    } satisfies Record<Exclude<PublishStep, 'waiting-rate-limit'>, string>,
    /** Whose rate limit the publish waits for, in `waitingRateLimit`: set `'GitHub'` or `'GitLab'` when you know. */
    gitHost: 'the Git host',
    /** `nextTry` is `common.formatTime(nextAttemptAt)`, undefined when the server gave no time. */
    waitingRateLimit: (host: string, nextTry: string | undefined) =>
      `Waiting for ${host}'s rate limit${nextTry === undefined ? '' : `, next try ${nextTry}`}`,
    /** After another step that waits (a retry after a failed attempt). */
    nextTry: (time: string) => `next try ${time}`,
    /** Shown from the second attempt on. */
    attempt: (attempt: number) => `Attempt ${attempt}`,
    /** Why the previous attempt failed, under the progress in the review and the builder's status. */
    lastError: (message: string) => `Previous attempt failed: ${message}`,
    /** Under a failed publish's error. */
    failedAfter: (attempts: number) => `Failed after ${plural(attempts, 'attempt')}`,
    /** After the `status.failed` badge in a queue row ("Publish failed after 6 attempts"). */
    afterAttempts: (attempts: number) => `after ${plural(attempts, 'attempt')}`,
  },
  diff: {
    summary: (files: number, additions: number, deletions: number) =>
      `${plural(files, 'file')} changed, ${plural(additions, 'addition')}, ${plural(deletions, 'deletion')}`,
    heading: 'Changes',
    fileStatus: { added: 'added', modified: 'modified', deleted: 'deleted', renamed: 'renamed' } satisfies Record<
      DiffFile['status'],
      string
    >,
    renamedFrom: (oldPath: string) => `renamed from ${oldPath}`,
    binary: 'Binary file: contents not shown.',
    noLines: 'No line changes to show for this file.',
    notInPatch: 'Not shown: the patch was truncated before this file.',
    truncated: 'The patch was truncated: some changes are not shown here. The pull request has the full diff.',
    showAllLines: (total: number) => `Show all ${total} lines`,
    /** How long a file's patch is (hunk lines), shown whether the file is expanded or not. */
    patchLines: (lines: number) => `(${plural(lines, 'line')} in the patch)`,
    empty: 'No changes.',
    /** The +/- counts as read by screen readers (the `+3 −1` shown is hidden from them). */
    countsSpoken: (additions: number, deletions: number) =>
      `${plural(additions, 'line added', 'lines added')}, ${plural(deletions, 'line removed', 'lines removed')}`,
  },
  findings: {
    heading: 'Findings',
    kind: {
      secret: 'Possible secret',
      'env-file': 'Environment file',
      'large-diff': 'Large change',
      binary: 'Binary file',
    } satisfies Record<Finding['kind'], string>,
    /** @deprecated Unused since a finding's message names its file and line itself; removed in the next minor version. */
    location: (path: string, line: number | undefined) => (line === undefined ? path : `${path}, line ${line}`),
  },
  publishDialog: {
    title: 'Publish workspace',
    description: 'Review your changes, choose a subdomain and send them for review.',
    subdomain: 'Subdomain',
    subdomainHint: 'Lower-case letters, digits and hyphens; 3 to 63 characters.',
    checking: 'Checking availability…',
    available: (subdomain: string) => `${subdomain} is available.`,
    checkFailed: 'Could not check availability.',
    suggestions: 'Available instead:',
    pickSuggestion: (subdomain: string) => `Use ${subdomain}`,
    note: reviewerNote,
    submit: 'Request publish',
    submitting: 'Submitting…',
    blocked: {
      loading: 'Loading your changes…',
      nothing_to_publish: 'Nothing to publish: the workspace is the same as what is live.',
      in_flight: 'This workspace already has a publish request in progress.',
      submitting: 'Your request is being submitted.',
      subdomain: 'Choose a valid, available subdomain first.',
      checking: 'Waiting for the availability check.',
    },
    loadFailed: 'Could not load your changes.',
    submitFailed: 'Could not submit the request.',
    resultPending: (subdomain: string) => `Request sent. An admin will review publishing to ${subdomain}.`,
    resultApproving: (subdomain: string) => `Auto-approved: publishing to ${subdomain} now.`,
    resultApproved: (subdomain: string) => `Auto-approved and published to ${subdomain}.`,
    resultFailed: (subdomain: string) => `Auto-approved, but publishing to ${subdomain} failed. An admin can retry.`,
    pullRequest: (number: number) => `Deployment pull request #${number}`,
    done,
  },
  approvalsQueue: {
    heading: 'Publish requests',
    filters: 'Filters',
    statusFilter: 'Status',
    allStatuses: 'All statuses',
    blueprintFilter: 'Blueprint',
    allBlueprints: 'All blueprints',
    /** The filter by where an approved request's pull request is (`request.delivery`). */
    deliveryFilter: 'Delivery',
    allDeliveries: 'Any delivery',
    ...requestFields,
    actions: 'Actions',
    review: 'Review',
    empty: 'No requests match these filters.',
    loadFailed: 'Could not load the requests.',
    previousPage: 'Previous page',
    nextPage: 'Next page',
    page: (index: number) => `Page ${index + 1}`,
    findings: (count: number) => plural(count, 'finding'),
    files: (count: number) => plural(count, 'file'),
    moreFiles: (count: number) => `and ${count} more`,
    changesShort: (files: number, additions: number, deletions: number) => `${plural(files, 'file')}, +${additions} −${deletions}`,
    updated: (count: number) => `Queue updated: ${plural(count, 'request')}.`,
    backToQueue: 'Back to the requests',
  },
  requestReview: {
    heading: (workspaceName: string) => `Review: ${workspaceName}`,
    details: 'Request details',
    ...requestFields,
    note: 'Note from the builder',
    /** Shown on a rollback request (`kind: 'rollback'`), so the reviewer knows it is not new work. */
    rollback:
      'Rollback: this request brings back an earlier published version. The changes below are what it changes compared with what is published now.',
    commit: 'Commit',
    approve: 'Approve and publish',
    approving: 'Publishing…',
    reject: 'Reject…',
    confirmReject: 'Reject request',
    rejecting: 'Rejecting…',
    feedback: 'Feedback for the builder (optional)',
    feedbackHint: 'The builder sees this and can send a new request.',
    retry: 'Retry publishing',
    approved: 'Approved. The commit was pushed and the pull request opened.',
    approvedPublishing: 'Approved. Publishing: pushing the commit and opening the pull request…',
    rejected: 'Rejected. The builder was notified.',
    failed: 'Approved, but publishing failed. You can retry.',
    decisionFailed: 'Your decision was not recorded.',
    // Not "someone else": the other decision may be the same admin's, from another tab.
    conflictTitle: 'This request was already decided',
    /** Kept up to date: `status` is the request's status now, not when the conflict happened. */
    conflict: (status: string, by: string | undefined) =>
      `Your decision was not applied: this request is now ${status}${by ? ` (decided by ${by})` : ''}.`,
    conflictUnknown: 'Your decision was not applied: this request changed since you opened it. Reload it to see its state.',
    /** `kind` is a decision (`decision.approved`/`rejected`), never a status: approved is not yet published. */
    decidedBy: (kind: string, by: string, at: string) => `${kind} by ${by} on ${at}`,
    decision: decisions,
    byTrust: 'trust (auto-approved)',
    notPending: (status: string) => `This request is ${status}: there is nothing to decide.`,
    feedbackGiven: 'Feedback given',
    pullRequest,
    error: 'Last error',
  },
  /** A request made after the workspace's previous one was rejected or withdrawn (`sincePrevious`). */
  sincePrevious: {
    heading: 'Changes since feedback',
    /** `by` is the rejecting reviewer's email when known; the date follows. */
    rejected: (by: string | undefined) => `The previous request was rejected${by ? ` by ${by}` : ''} on`,
    withdrawn: 'The builder withdrew the previous request on',
    feedback: 'Feedback on the previous request',
    noFeedback: 'No feedback was given.',
    diffHeading: 'Changed since the previous request',
  },
  /** Requests whose approval rule asks for more than one approval ("1 of 2 approvals"). */
  approvals: {
    /** The review's field name. */
    label: 'Approvals',
    count: (given: number, required: number) => `${given} of ${required} approvals`,
    /** After the count in a queue row; `emails` is the approvers' emails joined by ", ". */
    approvedBy: (emails: string) => `approved by ${emails}`,
    /** One approval in the review's list. */
    by: (email: string, at: string) => `${email} on ${at}`,
    /** Said after an approval that does not meet the rule yet. */
    recorded: (given: number, required: number) =>
      `Your approval was recorded: ${given} of ${required} approvals. Publishing starts once enough approvers agreed.`,
  },
  /** Selecting rows of the approvals queue and deciding them together ("Approve selected"). */
  bulkDecisions: {
    /** Accessible name of the checkbox that selects every pending request on the page. */
    selectAll: 'Select all pending requests on this page',
    /** Accessible name of a row's checkbox. */
    select: (workspaceName: string, subdomain: string) => `Select ${workspaceName} (${subdomain})`,
    selected: (count: number) => `${plural(count, 'request')} selected`,
    approveSelected: 'Approve selected',
    rejectSelected: 'Reject selected',
    /** Title of the confirmation. */
    title: decideRequests,
    description: 'Each request is decided on its own: one that cannot be decided does not stop the others.',
    noFindings: 'No findings',
    comment: 'Comment for the record (optional)',
    feedback: 'Feedback for the builders (optional)',
    confirm: decideRequests,
    deciding: 'Deciding…',
    ...decisions,
    /** An approval recorded on a request whose rule needs more approvers (it stays pending). */
    approvalRecorded: (given: number, required: number) => `Approval recorded: ${given} of ${required} approvals`,
    /** A request that was not decided; `reason` is one of `errors`, or the server's message. */
    notDecided: (reason: string) => `Not decided: ${reason}`,
    /** Why a request was not decided, by error code, in words. */
    errors: {
      validation: 'the input was refused',
      unauthorized: 'you are not signed in',
      forbidden: 'you may not decide this request',
      not_found: 'the request no longer exists',
      conflict: 'someone decided it first',
      invalid_transition: 'it is no longer pending',
      subdomain_unavailable: 'its subdomain is taken',
      in_flight: 'its workspace has another request in progress',
      nothing_to_publish: 'there is nothing to publish',
      payload_too_large: 'the request was too large',
      unsupported_media_type: 'the request was refused',
      method_not_allowed: 'the request was refused',
      port_failed: 'a service failed; try again',
      internal: 'the server failed; try again',
    } satisfies Record<PublishGateErrorCode, string>,
    /** Announced and shown once the server answered. */
    summary: (decided: number, failed: number) =>
      failed === 0 ? `${plural(decided, 'request')} decided.` : `${decided} decided, ${failed} not decided.`,
    sendFailed: 'The decisions were not sent.',
    done,
  },
  trustedUsers: {
    heading: (blueprint: string) => `Trusted builders: ${blueprint}`,
    description: 'Requests from trusted builders are approved automatically, unless their changes contain a likely secret.',
    empty: 'No trusted builders on this blueprint.',
    builder: 'Builder',
    autoApprove: 'Auto-approve',
    toggle: (email: string) => `Auto-approve ${email}`,
    grantedBy: 'Granted by',
    grantedAt: 'Granted',
    expires: 'Expires',
    never: 'Never',
    reviewDue: 'Review due',
    expired: 'Expired',
    /** No longer shown (the "Granted by" column stays empty for untrusted builders); kept so overrides still type-check. */
    notTrusted: 'Not trusted',
    /** Shown while the trust list loads; the switches stay disabled until then. */
    loading: 'Loading who is trusted…',
    addHeading: 'Trust a builder',
    userId: 'User id',
    email: 'Email',
    expiresAt: 'Expires on (optional)',
    add: 'Grant trust',
    granted: (email: string) => `${email} is now trusted.`,
    revoked: (email: string) => `${email} is no longer trusted.`,
    loadFailed: 'Could not load trusted builders.',
    saveFailed: 'Could not change trust.',
  },
  /** The workspace's publish history and its "roll back to this version" action (`<PublishHistory>`). */
  publishHistory: {
    heading: 'Publish history',
    none: 'Nothing has been sent for publishing from this workspace yet.',
    loadFailed: 'Could not load the publish history.',
    submitted: 'Submitted',
    currentPublication: 'Current publication',
    rollbackOf: 'Rollback',
    rollBack: 'Roll back to this version',
    /** The accessible name of a row's button: which version it brings back. */
    /** Starts with the visible text (`rollBack`), so speech input users can say what they see. */
    rollBackNamed: (subdomain: string, date: string) => `Roll back to this version: ${subdomain}, submitted ${date}`,
    blockedInFlight: 'A request for this workspace is still in progress; roll back once it is decided.',
    confirmTitle: 'Roll back to this version?',
    confirmText: (subdomain: string, date: string) =>
      `A new publish request will bring back the version of ${subdomain} submitted ${date}, on top of what is published now. It is reviewed like any other request.`,
    changes: 'What the rollback changes compared with what is published now:',
    previewFailed: 'Could not load what the rollback would change.',
    note: reviewerNote,
    submit: 'Request rollback',
    submitting: 'Requesting rollback…',
    failed: 'The rollback could not be requested.',
    requested: 'Rollback requested. This is exactly what it changes compared with what is published now:',
    waiting: 'It now waits for review, like any publish request.',
    done,
  },
  publishStatus: {
    heading: 'Publish status',
    none: 'This workspace has not been sent for publishing yet.',
    current: 'Latest request',
    history: 'Earlier requests',
    subdomain: 'Subdomain',
    submitted: 'Submitted',
    decided: 'Decided',
    feedback: 'Feedback from the reviewer',
    /** For an approved request without delivery tracking (`request.delivery` absent): where it went. */
    liveAt: (subdomain: string) => `Live at ${subdomain}`,
    pullRequest,
    withdraw: 'Withdraw request',
    withdrawFailed: 'Could not withdraw the request.',
    loadFailed: 'Could not load the publish status.',
    announce: (status: string, subdomain: string) => `Publish request for ${subdomain}: ${status}.`,
    error: 'Publishing failed',
  },
};

/** The type of {@link defaultLabels}: every text the components show. */
export type PublishGateLabels = typeof defaultLabels;

/** Overrides for some labels: any group, any key within it. */
export type PublishGateLabelOverrides = { [Group in keyof PublishGateLabels]?: Partial<PublishGateLabels[Group]> };

/** Merges override layers over the defaults, group by group (later layers win). */
export function mergeLabels(...layers: Array<PublishGateLabelOverrides | undefined>): PublishGateLabels {
  const out = { ...defaultLabels } as Record<keyof PublishGateLabels, object>;
  for (const layer of layers) {
    if (!layer) continue;
    for (const group of Object.keys(layer) as Array<keyof PublishGateLabels>) {
      const overrides = layer[group];
      if (overrides) out[group] = { ...out[group], ...overrides };
    }
  }
  return out as PublishGateLabels;
}
