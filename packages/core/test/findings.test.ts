import { type DiffSummary, hasSecretFinding, scanFindings } from '@publishgate/core';
import { describe, expect, it } from 'vitest';

function diffOf(
  files: Array<{ path: string; lines?: string[]; binary?: boolean; status?: 'added' | 'modified' | 'deleted' }>,
): DiffSummary {
  let patch = '';
  for (const file of files) {
    const lines = file.lines ?? [];
    patch += `diff --git a/${file.path} b/${file.path}\n--- /dev/null\n+++ b/${file.path}\n@@ -0,0 +1,${lines.length} @@\n${lines.map((line) => `+${line}\n`).join('')}`;
  }
  return {
    files: files.map((file) => ({
      path: file.path,
      status: file.status ?? 'added',
      additions: file.lines?.length ?? 0,
      deletions: 0,
      binary: file.binary ?? false,
    })),
    additions: files.reduce((sum, file) => sum + (file.lines?.length ?? 0), 0),
    deletions: 0,
    patch,
    truncated: false,
  };
}

// Built at run time so that the repository itself holds no string a secret scanner would flag.
const fake = {
  aws: `AKIA${'Q'.repeat(16)}`,
  github: `ghp_${'a1B2'.repeat(9)}`,
  slack: `xoxb-${'1234567890'}-abcdefghij`,
  stripe: `sk_live_${'x'.repeat(24)}`,
  google: `AIza${'b'.repeat(35)}`,
  key: ['-----BEGIN', 'RSA PRIVATE KEY-----'].join(' '),
};

describe('scanFindings', () => {
  it.each([
    ['an AWS access key id', `const id = "${fake.aws}";`],
    ['a GitHub token', `token: ${fake.github}`],
    ['a Slack token', `SLACK=${fake.slack}`],
    ['a Stripe live key', `stripe(${JSON.stringify(fake.stripe)})`],
    ['a Google API key', `key=${fake.google}`],
    ['a private key block', fake.key],
    ['a password assignment', `password = "correct-horse-battery"`],
    ['credentials in a URL', 'db: postgres://admin:hunter22@db.internal/app'],
  ])('finds %s in an added line, with its path and line number', (_name, secret) => {
    const findings = scanFindings(diffOf([{ path: 'src/config.js', lines: ['// config', '', secret] }]));
    expect(findings).toEqual([expect.objectContaining({ kind: 'secret', path: 'src/config.js', line: 3 })]);
    expect(hasSecretFinding(findings)).toBe(true);
  });

  it('ignores secrets on removed and context lines', () => {
    const diff = diffOf([]);
    diff.files = [{ path: 'a.js', status: 'modified', additions: 1, deletions: 1, binary: false }];
    diff.patch = `diff --git a/a.js b/a.js\n--- a/a.js\n+++ b/a.js\n@@ -1,2 +1,2 @@\n key ${fake.aws}\n-old ${fake.github}\n+clean line\n`;
    expect(scanFindings(diff)).toEqual([]);
  });

  it('flags .env files but not templates, and key files as secrets', () => {
    const findings = scanFindings(
      diffOf([
        { path: '.env' },
        { path: 'config/.env.production' },
        { path: '.env.example' },
        { path: 'certs/server.pem' },
        { path: 'old/.env', status: 'deleted' },
      ]),
    );
    expect(findings.map((finding) => [finding.kind, finding.path])).toEqual([
      ['env-file', '.env'],
      ['env-file', 'config/.env.production'],
      ['secret', 'certs/server.pem'],
    ]);
  });

  it('flags binaries and oversized or truncated diffs, none of which block trust', () => {
    const many = diffOf(Array.from({ length: 201 }, (_, index) => ({ path: `f${index}.txt`, lines: ['x'] })));
    expect(scanFindings(many).filter((finding) => finding.kind === 'large-diff')).toHaveLength(1);
    const big = diffOf([{ path: 'big.txt', lines: Array.from({ length: 5_001 }, () => 'y') }]);
    expect(scanFindings(big)).toEqual([expect.objectContaining({ kind: 'large-diff' })]);
    const truncated = { ...diffOf([{ path: 'a.txt', lines: ['a'] }]), truncated: true };
    expect(scanFindings(truncated)).toEqual([
      expect.objectContaining({ kind: 'large-diff', message: expect.stringContaining('truncated') }),
    ]);
    const binary = scanFindings(diffOf([{ path: 'logo.png', binary: true }]));
    expect(binary).toEqual([expect.objectContaining({ kind: 'binary', path: 'logo.png' })]);
    expect(hasSecretFinding([...binary, ...scanFindings(many)])).toBe(false);
    expect(scanFindings(big, { maxChangedLines: 10_000 })).toEqual([]);
  });

  it('caps the number of findings and the length of each message', () => {
    const lines = Array.from({ length: 300 }, () => fake.aws);
    const findings = scanFindings(diffOf([{ path: `${'deep/'.repeat(200)}a.js`, lines }]));
    expect(findings).toHaveLength(100);
    expect(findings.at(-1)).toMatchObject({ kind: 'large-diff', message: expect.stringContaining('more findings') });
    for (const finding of findings) expect(finding.message.length).toBeLessThanOrEqual(500);
  });
});
