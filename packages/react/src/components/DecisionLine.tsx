'use client';
import type { PublishRequest } from '@publishgate/core/client';
import type { PublishGateLabels } from '../labels.js';
import { PublishFailure } from './PublishProgressStatus.js';
import { PullRequestLink } from './PullRequestLink.js';
import { safeHref } from './safeHref.js';

/** Who decided a request, how and when, as one sentence of text (or nothing when undecided). */
export function DecisionLine({ request, labels }: { request: PublishRequest; labels: PublishGateLabels }) {
  const decision = request.decision;
  if (!decision) return null;
  const by = 'trust' in decision.by ? labels.requestReview.byTrust : decision.by.email;
  return (
    <p className="pg-decision" data-pg-decision={decision.kind}>
      {labels.requestReview.decidedBy(labels.requestReview.decision[decision.kind], by, labels.common.formatDateTime(decision.at))}
    </p>
  );
}

/** The outcome details of a decided request: pull request link, or the last publish error and attempts. */
export function Outcome({ request, labels }: { request: PublishRequest; labels: PublishGateLabels }) {
  return (
    <>
      {request.pullRequest ? (
        <p>
          <PullRequestLink url={request.pullRequest.url} text={labels.requestReview.pullRequest(request.pullRequest.number)} />
        </p>
      ) : null}
      <DeliveryLine request={request} labels={labels} />
      <PublishFailure request={request} labels={labels} />
    </>
  );
}

/** Where an approved request's pull request is now: "Live at <url>", "Merged", "Deployment failed", "Closed without merging". */
export function DeliveryLine({ request, labels }: { request: PublishRequest; labels: PublishGateLabels }) {
  const delivery = request.delivery;
  // An open pull request is said by the link above.
  if (request.status !== 'approved' || !delivery || delivery.state === 'pull-request-open') return null;
  const href = delivery.state === 'live' && delivery.deploymentUrl ? safeHref(delivery.deploymentUrl) : undefined;
  return (
    <p className="pg-delivery" data-pg-delivery={delivery.state}>
      {href ? (
        <>
          {labels.delivery.liveAt}{' '}
          <a href={href} target="_blank" rel="noreferrer noopener">
            {delivery.deploymentUrl}
          </a>
        </>
      ) : (
        labels.delivery.states[delivery.state]
      )}
    </p>
  );
}
