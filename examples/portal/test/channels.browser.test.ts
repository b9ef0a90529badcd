// Issue 18 in Debian's Chromium: the builder of the GitLab blueprint publishes, an admin approves,
// and the builder's page links to the merge request opened on the GitLab emulator; the admin's
// Admin › Webhooks page lists the Standard Webhooks deliveries the demo's receiver verified.
// Pages are driven by roles and labels only; every outcome is also checked behind the UI.
import { describe, expect, it } from 'vitest';
import { chromiumAvailable, editAndSave, expectNoAxeViolations, UI_WAIT, usePortalInChromium } from './chromiumPortal.js';
import { remoteBranchSha } from './support.js';

const available = chromiumAvailable('portal GitLab and webhook channel browser test');

describe.runIf(available)('portal in Chromium: a GitLab blueprint and the webhook channel', () => {
  const suite = usePortalInChromium('channels');

  it('the builder of the GitLab blueprint publishes, an admin approves, and the builder’s page links to the merge request; the admin sees the verified webhook deliveries and the caught email', async () => {
    const erin = await suite.signIn('Erin');
    await erin.getByRole('heading', { level: 1, name: 'Erin’s docs' }).waitFor();
    await erin.getByText('publishes open merge requests on GitLab').waitFor();
    await editAndSave(erin, 'index.html', '<!doctype html>\n<title>Docs</title>\n<h1>Docs, now with a guide</h1>\n');
    await suite.publish(erin, 'erins-docs');
    const request = await suite.latestRequest('ws-erin');
    expect(request).toMatchObject({ status: 'pending', subdomain: 'erins-docs' });

    const ada = await suite.signIn('Ada');
    await ada.getByRole('heading', { level: 1, name: 'Admin › Approvals' }).waitFor();
    await ada
      .getByRole('row', { name: /Erin’s docs/ })
      .getByRole('button', { name: 'Review Erin’s docs' })
      .click();
    const review = ada.getByRole('region', { name: 'Review: Erin’s docs' });
    await review.getByRole('button', { name: 'Approve and publish' }).click();
    await expect.poll(async () => (await suite.latestRequest('ws-erin')).status, UI_WAIT).toBe('approved');

    // Behind the UI: the branch in the docs remote only, one merge request on GitLab, no pull request on GitHub.
    const approved = await suite.latestRequest('ws-erin');
    const branch = approved.branch as string;
    await expect(remoteBranchSha(suite.portal.data.remoteDirs['bp-docs'] as string, branch)).resolves.toBe(request.sha);
    const mergeRequests = suite.portal.gitLabEmulators['bp-docs']?.mergeRequests() ?? [];
    expect(mergeRequests.map((mr) => [mr.sourceBranch, mr.sha, mr.state])).toEqual([[branch, request.sha, 'opened']]);
    for (const emulator of Object.values(suite.portal.emulators)) expect(emulator.pulls()).toEqual([]);

    // The builder's page follows live and links to the merge request where GitLab shows it.
    const links = erin.getByRole('region', { name: 'Branches and merge requests' });
    const mergeRequestLink = links.getByRole('link', { name: `merge request !${approved.pullRequest?.number}` });
    await mergeRequestLink.waitFor();
    await expect(mergeRequestLink.getAttribute('href')).resolves.toBe(mergeRequests[0]?.webUrl);
    await links.getByRole('link', { name: branch }).waitFor();
    // publishgate's PublishStatus, given GitLab's words through its labels.
    const status = erin.getByRole('region', { name: 'Publish status' });
    await status.getByRole('link', { name: `Merge request !${approved.pullRequest?.number}` }).waitFor();
    await suite.shoot(erin, 'channels-01-builder-merge-request');
    await expectNoAxeViolations(erin, 'the GitLab builder’s workspace with the merge request link');

    // The request page offers the simulated merge on GitLab and says the gate polls for it.
    await ada.goto(`${suite.portal.url}/requests/${request.id}`);
    const controls = ada.getByRole('region', { name: 'Demo controls (dev-only)' });
    await controls.getByText(/the gate polls the merge request and records the merge on its next sweep/).waitFor();
    await controls.getByRole('button', { name: 'Simulate deploy' }).click();
    await controls
      .getByRole('status')
      .getByText(/Merged on GitLab as [0-9a-f]{12}\./)
      .waitFor({ timeout: UI_WAIT.timeout });
    expect(suite.portal.gitLabEmulators['bp-docs']?.mergeRequests()[0]?.state).toBe('merged');

    // Admin › Webhooks: one verified delivery per notification the flow sent (to the admins, then to Erin).
    await ada.getByRole('link', { name: 'Admin › Webhooks' }).click();
    await ada.getByRole('heading', { level: 1, name: 'Admin › Webhooks' }).waitFor();
    const received = ada.getByRole('region', { name: 'Received webhooks' });
    for (const type of ['request.submitted', 'request.approved']) {
      const row = received.getByRole('row', { name: new RegExp(`${type.replace('.', '\\.')} · erins-docs`) });
      await row.waitFor({ timeout: UI_WAIT.timeout });
      await expect(row.getByRole('cell', { name: 'Yes', exact: true }).count()).resolves.toBe(1);
      await expect(row.getByRole('cell', { name: 'POST /hooks/publishgate' }).count()).resolves.toBe(1);
    }
    const mail = ada.getByRole('region', { name: 'Caught email' });
    await mail.getByRole('row', { name: /erins-docs.*erin@example\.com/ }).waitFor({ timeout: UI_WAIT.timeout });
    await mail.getByRole('row', { name: /erins-docs.*ada@example\.com, grace@example\.com/ }).waitFor({ timeout: UI_WAIT.timeout });
    await ada.getByRole('region', { name: 'Dead letters' }).getByText('No dead letters: every channel delivered.').waitFor();
    const verified = suite.portal.webhooks.deliveries().filter((delivery) => delivery.requestId === request.id);
    expect(verified.map((delivery) => [delivery.type, delivery.verified]).sort()).toEqual([
      ['request.approved', true],
      ['request.submitted', true],
    ]);
    await suite.shoot(ada, 'channels-02-admin-webhooks');
    await expectNoAxeViolations(ada, 'Admin › Webhooks');
  });
});
