'use client';
import type { PublishRequest } from '@publishgate/core/client';
import type { PublishGateLabels } from '../labels.js';
import { DiffView } from './DiffView.js';
import { Heading } from './Heading.js';
import { Time } from './Time.js';

/** Props of {@link ChangesSinceFeedback}. */
export type ChangesSinceFeedbackProps = {
  request: PublishRequest;
  labels: PublishGateLabels;
  /** Level of its title; the diff inside uses the next one. */
  headingLevel: number;
};

/**
 * For a request made after the workspace's previous one was rejected or withdrawn: what was said
 * then (the feedback, who and when) and the diff between the two pinned commits, so a reviewer
 * checks the answer to their feedback without re-reading the whole change. Renders nothing for
 * a first request.
 */
export function ChangesSinceFeedback({ request, labels, headingLevel }: ChangesSinceFeedbackProps) {
  const since = request.sincePrevious;
  if (!since) return null;
  const text = labels.sincePrevious;
  const diffLabels: PublishGateLabels = { ...labels, diff: { ...labels.diff, heading: text.diffHeading } };
  return (
    <section className="pg-since-previous" data-pg-since-previous="" aria-labelledby={`pg-since-${request.id}`}>
      <Heading level={headingLevel} id={`pg-since-${request.id}`} className="pg-section-title">
        {text.heading}
      </Heading>
      <p className="pg-since-previous-outcome">
        {since.status === 'rejected' ? text.rejected(since.by?.email) : text.withdrawn} <Time iso={since.at} labels={labels} />
      </p>
      {since.status === 'rejected' ? (
        <div className="pg-feedback" data-pg-previous-feedback="">
          <Heading level={headingLevel + 1} className="pg-section-title">
            {text.feedback}
          </Heading>
          <p className="pg-prewrap">{since.feedback ?? text.noFeedback}</p>
        </div>
      ) : null}
      <DiffView diff={since.diff} labels={diffLabels} headingLevel={headingLevel + 1} />
    </section>
  );
}
