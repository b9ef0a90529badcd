import { isValidBranchName } from '@publishgate/core';
import { runGit } from './runGit.js';

/** A branch of the demo's bare remote, as the portal's "remote" page shows it. */
export type RemoteBranch = {
  name: string;
  sha: string;
  subject: string;
  author: string;
  date: string;
  /** Files changed against the base branch. */
  files: Array<{ status: string; path: string }>;
  /** The blueprint whose remote holds the branch (the portal adds it: a repository per blueprint). */
  blueprintId?: string;
};

/**
 * Reads one branch of the local bare remote (no web UI exists for it, unlike GitHub): its head
 * commit and the files it changes against `baseBranch`. Null when the branch does not exist.
 */
export async function describeRemoteBranch(remoteDir: string, name: string, baseBranch = 'main'): Promise<RemoteBranch | null> {
  if (!isValidBranchName(name)) return null;
  const ref = `refs/heads/${name}`;
  let head: string;
  try {
    head = await runGit(['--git-dir', remoteDir, 'log', '-1', '--format=%H%x00%an <%ae>%x00%aI%x00%s', '--end-of-options', ref, '--']);
  } catch {
    return null;
  }
  const [sha = '', author = '', date = '', subject = ''] = head.trim().split('\0');
  const diff = await runGit([
    '--git-dir',
    remoteDir,
    'diff',
    '--name-status',
    '-z',
    '--no-renames',
    '--end-of-options',
    `refs/heads/${baseBranch}...${sha}`,
    '--',
  ]);
  const parts = diff.split('\0').filter((part) => part !== '');
  const files: RemoteBranch['files'] = [];
  for (let index = 0; index + 1 < parts.length; index += 2)
    files.push({ status: parts[index] as string, path: parts[index + 1] as string });
  return { name, sha, subject, author, date, files };
}

/** Names and head shas of every branch of the local bare remote. */
export async function listRemoteBranches(remoteDir: string): Promise<Array<{ name: string; sha: string }>> {
  const out = await runGit(['--git-dir', remoteDir, 'for-each-ref', '--format=%(refname:lstrip=2)%00%(objectname)', 'refs/heads/']);
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [name = '', sha = ''] = line.split('\0');
      return { name, sha };
    });
}
