import { usePortal } from '../portalContext.js';
import { onLinkClick } from '../router.js';
import { safeHref } from '../safeHref.js';

/** A link to a pushed branch: the portal's view of the local bare remote, or the branch on GitHub. */
export function BranchLink({ branch }: { branch: string }) {
  const { config } = usePortal();
  if (config.remote.kind === 'github') {
    const href = safeHref(`${config.remote.webUrl}/tree/${branch.split('/').map(encodeURIComponent).join('/')}`);
    return href ? (
      <a href={href} target="_blank" rel="noreferrer noopener">
        <code>{branch}</code>
      </a>
    ) : (
      <code>{branch}</code>
    );
  }
  return (
    <a href={`/remote/branch?name=${encodeURIComponent(branch)}`} onClick={onLinkClick}>
      <code>{branch}</code>
    </a>
  );
}

/** A link to a deployment pull request, or merge request on GitLab (plain text when the URL is not http(s)). */
export function PullRequestAnchor({ url, number, host = 'github' }: { url: string; number: number; host?: 'github' | 'gitlab' }) {
  const href = safeHref(url);
  // Each host's own words: GitHub numbers pull requests #N, GitLab numbers merge requests !N.
  const name = host === 'gitlab' ? `merge request !${number}` : `pull request #${number}`;
  if (!href) return <span>{name}</span>;
  return (
    <a href={href} target="_blank" rel="noreferrer noopener">
      {name}
    </a>
  );
}
