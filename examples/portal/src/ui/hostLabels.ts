import type { PublishGateLabelOverrides } from '@publishgate/react';

const GITLAB_LABELS: PublishGateLabelOverrides = {
  publishDialog: { pullRequest: (number: number) => `Deployment merge request !${number}` },
  publishStatus: { pullRequest: (number: number) => `Merge request !${number}` },
  requestReview: { pullRequest: (number: number) => `Merge request !${number}` },
};

/**
 * Label overrides for publishgate's components showing a blueprint's requests: on GitLab they open
 * merge requests, numbered `!N`, and the components should say so; GitHub keeps the defaults.
 */
export function hostLabels(host: 'github' | 'gitlab' | undefined): PublishGateLabelOverrides {
  return host === 'gitlab' ? GITLAB_LABELS : {};
}
