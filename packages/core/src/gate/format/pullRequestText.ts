import type { PublishRequest } from '../../schemas/domain.js';

/**
 * The default title and Markdown body of a deployment pull request: who approved it, a link back
 * to the portal, the request's details as a table, its findings and the reviewer's comment.
 */
export function defaultPullRequestText(
  request: PublishRequest,
  baseDomain: string | undefined,
  link: string | undefined,
): { title: string; body: string } {
  const decidedBy =
    request.decision?.by && 'email' in request.decision.by ? escapeCell(request.decision.by.email) : 'trust (auto-approved builder)';
  const files = request.diff.files.length;
  const lines = [
    `Publish request \`${request.id}\` approved by ${decidedBy}.${link ? ` [Open in the portal](${markdownUrl(link)})` : ''}`,
    '',
    '| | |',
    '|---|---|',
    `| Workspace | ${escapeCell(request.workspace.name)} (\`${request.workspace.id}\`) |`,
    `| Builder | ${escapeCell(request.builder.email)} |`,
    `| Subdomain | \`${request.subdomain}\`${baseDomain ? ` (https://${request.subdomain}.${baseDomain})` : ''} |`,
    `| Commit | \`${request.sha}\` |`,
    ...(request.kind === 'rollback' && request.rollbackOf ? [`| Rolls back to | the version of request \`${request.rollbackOf}\` |`] : []),
    `| Changes | ${files} ${files === 1 ? 'file' : 'files'}, +${request.diff.additions} −${request.diff.deletions} |`,
  ];
  if (request.findings.length > 0) {
    lines.push(
      '',
      '**Findings**',
      '',
      ...request.findings.slice(0, 20).map((finding) => `- ${finding.kind}: ${escapeCell(finding.message)}`),
    );
  }
  if (request.decision?.comment) lines.push('', '**Reviewer comment**', '', escapeCell(request.decision.comment));
  const verb = request.kind === 'rollback' ? 'Roll back' : 'Publish';
  const where = request.kind === 'rollback' ? 'on' : 'to';
  return { title: `${verb} ${request.workspace.name} ${where} ${request.subdomain}`.slice(0, 250), body: lines.join('\n') };
}

// A link target must not close the Markdown link early.
function markdownUrl(link: string): string {
  return link.replace(/[()\s<>[\]]/g, (char) => encodeURIComponent(char));
}

// User text goes into a Markdown table and must not break out of it or ping people: Markdown
// specials are backslash-escaped, `@` gets a zero-width space, line breaks become spaces.
const CELL_SPECIALS = /[|\\`*_<>[\]@]|\r?\n/g;
function escapeCell(text: string): string {
  return text.replace(CELL_SPECIALS, (match) => (match === '@' ? '@\u200b' : match.endsWith('\n') ? ' ' : `\\${match}`));
}
