'use client';
import type { Finding } from '@publishgate/core/client';
import type { PublishGateLabels } from '../labels.js';
import { Heading } from './Heading.js';

/** The findings of a diff (likely secrets, env files, large diffs, binaries), most severe first. */
export function FindingsList({
  findings,
  labels,
  headingLevel,
}: {
  findings: readonly Finding[];
  labels: PublishGateLabels;
  headingLevel: number;
}) {
  if (findings.length === 0) return null;
  const ordered = [...findings].sort((a, b) => severity(a) - severity(b));
  return (
    <section className="pg-findings" data-pg-findings="">
      <Heading level={headingLevel} className="pg-section-title">
        {labels.findings.heading}
      </Heading>
      <ul>
        {ordered.map((finding, index) => (
          // Findings have no id; their order is stable for one diff.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          <li key={index} className="pg-finding" data-pg-kind={finding.kind}>
            <FindingText finding={finding} labels={labels} />
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * One finding: its kind, then its message. The message already names the file and line (the
 * scanner writes it for pull requests and notifications too), so they are not repeated here.
 */
export function FindingText({ finding, labels }: { finding: Finding; labels: PublishGateLabels }) {
  return (
    <>
      <span className="pg-badge" data-pg-kind={finding.kind}>
        {labels.findings.kind[finding.kind]}
      </span>{' '}
      <span className="pg-finding-message">{finding.message}</span>
    </>
  );
}

function severity(finding: Finding): number {
  return finding.kind === 'secret' ? 0 : finding.kind === 'env-file' ? 1 : finding.kind === 'large-diff' ? 2 : 3;
}
