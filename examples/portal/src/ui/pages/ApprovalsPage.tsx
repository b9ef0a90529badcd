import { ApprovalsQueue, TrustedUsers } from '@publishgate/react';
import { Page } from '../Page.js';
import { usePortal } from '../portalContext.js';
import { HistoryList } from './HistoryList.js';

/** Admin > Approvals: the queue with its review view, trust switches per blueprint, and the audit history. */
export function ApprovalsPage() {
  const { user, config } = usePortal();
  if (!user.roles.includes('admin')) {
    return (
      <Page title="Approvals">
        <p>Only admins review publish requests. Sign in as Ada or Grace to see the queue.</p>
      </Page>
    );
  }
  return (
    <Page
      title="Admin › Approvals"
      lead={<p>Review what builders asked to publish. Approving pushes the pinned commit to a new branch and opens a pull request.</p>}
    >
      <ApprovalsQueue blueprints={config.blueprints} headingLevel={2} className="panel" />
      {config.blueprints.map((blueprint) => (
        <TrustedUsers
          key={blueprint.id}
          blueprintId={blueprint.id}
          blueprintName={blueprint.name}
          candidates={config.builders
            .filter((builder) => blueprint.builderIds.includes(builder.id))
            .map((builder) => ({ userId: builder.id, email: builder.email }))}
          showAddForm={false}
          headingLevel={2}
          className="panel"
        />
      ))}
      <HistoryList />
    </Page>
  );
}
