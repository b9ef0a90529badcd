// Issue 14, item 2: git C-quotes unusual paths in patches (`"b/caf\303\251.html"`); the review must
// still show their changed lines. The patches here come from the real git CLI, not from hand-written strings.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DiffFile, PublishRequest } from '@publishgate/core/client';
import { requestFixture } from '@publishgate/core/testing';
import { screen, within } from '@testing-library/react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePatch, RequestReview } from '../src/index.js';
import { renderWithClient } from './render.js';
import { stubClient } from './stubClient.js';

/** Each file's name, and the line the second commit adds to it. */
const FILES: ReadonlyArray<{ path: string; added: string }> = [
  { path: 'café.html', added: '<h1>Bienvenue au café</h1>' },
  { path: 'with space.txt', added: 'spaced out' },
  { path: 'tab\there "quoted".txt', added: 'tabs and quotes' },
  { path: 'back\\slash\nnewline.txt', added: 'backslash and newline' },
  { path: 'ascii.txt', added: 'plain' },
];

let dir: string;
const git = (args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], {
    cwd: dir,
    encoding: 'utf8',
  });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'publishgate-quoted-paths-'));
  git(['init', '-q', '-b', 'main']);
  for (const file of FILES) writeFileSync(join(dir, file.path), 'first line\n');
  git(['add', '-A']);
  git(['commit', '-q', '-m', 'base']);
  for (const file of FILES) writeFileSync(join(dir, file.path), `first line\n${file.added}\n`);
  // A new file with a non-ASCII name, so an added file's quoted header is covered too.
  writeFileSync(join(dir, 'nouveau ménu.html'), '<p>Menu du jour</p>\n');
  git(['add', '-A']);
  git(['commit', '-q', '-m', 'change']);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The file list as the git adapter builds it: from `--numstat -z`, whose paths are never quoted. */
function diffFiles(): DiffFile[] {
  const fields = git(['diff', '--numstat', '-z', 'HEAD~1', 'HEAD']).split('\0').filter(Boolean);
  return fields.map((field) => {
    const [additions, deletions, ...rest] = field.split('\t');
    const path = rest.join('\t');
    return {
      path,
      status: path === 'nouveau ménu.html' ? 'added' : 'modified',
      additions: Number(additions),
      deletions: Number(deletions),
      binary: false,
    };
  });
}

function requestWithPatch(quotePath: boolean): PublishRequest {
  const patch = git(['-c', `core.quotePath=${quotePath}`, 'diff', 'HEAD~1', 'HEAD']);
  const files = diffFiles();
  const base = requestFixture();
  return {
    ...base,
    diff: {
      files,
      additions: files.reduce((sum, file) => sum + file.additions, 0),
      deletions: 0,
      patch,
      truncated: false,
    },
    findings: [],
  };
}

describe.each([true, false])('paths git quotes in patches, core.quotePath=%s', (quotePath) => {
  it('the patch really is C-quoted where git quotes (guards the test itself)', () => {
    const patch = requestWithPatch(quotePath).diff.patch;
    expect(patch).toContain('"b/tab\\there \\"quoted\\".txt"');
    expect(patch).toContain('"b/back\\\\slash\\nnewline.txt"');
    if (quotePath) expect(patch).toContain('"b/caf\\303\\251.html"');
    else expect(patch).toContain('+++ b/café.html');
  });

  it('parsePatch unquotes every path, so each file finds its hunks', () => {
    const request = requestWithPatch(quotePath);
    const parsed = parsePatch(request.diff.patch);
    expect(parsed.map((file) => file.path).sort()).toEqual(request.diff.files.map((file) => file.path).sort());
    for (const file of FILES) {
      const patch = parsed.find((candidate) => candidate.path === file.path);
      expect(patch?.hunks[0]?.lines).toContainEqual({ kind: 'add', text: file.added, newLine: 2 });
    }
  });

  it('regression: the review shows the changed lines of café.html, "with space.txt" and names with tabs, quotes and newlines', async () => {
    const request = requestWithPatch(quotePath);
    const client = stubClient({ getRequest: async () => request, listTrust: async () => [] });
    const { user } = renderWithClient(<RequestReview request={request} />, client, { storeOptions: { live: false } });
    const review = screen.getByRole('region', { name: `Review: ${request.workspace.name}` });
    const items = within(review).getAllByRole('listitem');
    const expected = [...FILES, { path: 'nouveau ménu.html', added: '<p>Menu du jour</p>' }];
    for (const file of expected) {
      const item = items.find((candidate) => candidate.querySelector('.pg-diff-path')?.textContent === file.path);
      if (!item) throw new Error(`no list item for ${JSON.stringify(file.path)}`);
      const toggle = within(item).getAllByRole('button')[0] as HTMLElement;
      if (toggle.getAttribute('aria-expanded') === 'false') await user.click(toggle);
      expect(toggle).toHaveAttribute('aria-expanded', 'true');
      expect(within(item).queryByText('No line changes to show for this file.')).toBeNull();
      const added = [...item.querySelectorAll('[data-pg-line="add"]')].map((line) => line.textContent);
      expect(added).toContain(`+${file.added}\n`);
    }
  });
});
