import type { DiffSummary, Finding } from './schemas/domain.js';

/** Thresholds for the `large-diff` finding. */
export type FindingLimits = {
  /** More changed files than this is a large diff. Default 200. */
  maxFiles?: number;
  /** More added plus deleted lines than this is a large diff. Default 5,000. */
  maxChangedLines?: number;
  /** At most this many findings are reported; the rest are summarised in one. Default 100. */
  maxFindings?: number;
};

type SecretRule = { name: string; pattern: RegExp };

// Prefix-anchored token formats have very few false positives; the generic assignment rule catches
// the rest (`API_KEY = "..."`) at the cost of some noise, which is acceptable for a review hint.
const SECRET_RULES: readonly SecretRule[] = [
  { name: 'private key', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/ },
  { name: 'AWS access key id', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/ },
  { name: 'GitHub token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,})\b/ },
  { name: 'GitLab token', pattern: /\bglpat-[A-Za-z0-9_-]{20,}\b/ },
  { name: 'Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/ },
  { name: 'Stripe secret key', pattern: /\b(?:sk|rk)_live_[A-Za-z0-9]{20,}\b/ },
  { name: 'Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { name: 'npm token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/ },
  { name: 'OpenAI-style API key', pattern: /\bsk-(?:proj-)?[A-Za-z0-9_-]{32,}\b/ },
  { name: 'JSON web token', pattern: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/ },
  { name: 'credentials in a URL', pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@'"]+:[^/\s@'"]{3,}@[^\s'"]+/i },
  {
    name: 'secret assignment',
    pattern: /(?:api[_-]?key|secret|token|passw(?:or)?d|private[_-]?key|client[_-]?secret)["']?\s*[:=]\s*["'][^"'\s]{12,}["']/i,
  },
];

const ENV_FILE = /(?:^|\/)\.env(?:\.[^/]*)?$/;
const ENV_TEMPLATE = /\.(?:example|sample|template|dist|defaults)$/;
// Key material that is a secret whatever its contents.
const KEY_FILE = /(?:^|\/)(?:id_(?:rsa|dsa|ecdsa|ed25519)|[^/]+\.(?:pem|p12|pfx|key|keystore|jks))$/;

/**
 * Scans a diff for things a reviewer must see: likely secrets in added lines, `.env` files, key
 * files, oversized diffs and binary files. Pure and deterministic; runs on the bounded patch, so a
 * secret past the truncation point is not seen (the truncation itself is a `large-diff` finding).
 */
export function scanFindings(diff: DiffSummary, limits: FindingLimits = {}): Finding[] {
  const maxFiles = limits.maxFiles ?? 200;
  const maxChangedLines = limits.maxChangedLines ?? 5_000;
  const maxFindings = limits.maxFindings ?? 100;
  const findings: Finding[] = [];

  for (const file of diff.files) {
    if (file.status === 'deleted') continue;
    if (ENV_FILE.test(file.path) && !ENV_TEMPLATE.test(file.path)) {
      findings.push({
        kind: 'env-file',
        path: file.path,
        message: `${file.path} looks like an environment file; these usually hold secrets.`,
      });
    } else if (KEY_FILE.test(file.path)) {
      findings.push({ kind: 'secret', path: file.path, message: `${file.path} looks like a private key or certificate store.` });
    }
    if (file.binary)
      findings.push({ kind: 'binary', path: file.path, message: `${file.path} is a binary file; its contents are not shown.` });
  }

  scanPatchForSecrets(diff.patch, findings);

  const changed = diff.additions + diff.deletions;
  if (diff.files.length > maxFiles) {
    findings.push({ kind: 'large-diff', message: `${diff.files.length} files changed (more than ${maxFiles}).` });
  } else if (changed > maxChangedLines) {
    findings.push({ kind: 'large-diff', message: `${changed} lines changed (more than ${maxChangedLines}).` });
  }
  if (diff.truncated)
    findings.push({ kind: 'large-diff', message: 'The patch was truncated; review the full change in the pull request.' });

  const clipped = findings.map((finding) =>
    finding.message.length > 500 ? { ...finding, message: `${finding.message.slice(0, 499)}…` } : finding,
  );
  if (clipped.length <= maxFindings) return clipped;
  const kept = clipped.slice(0, maxFindings - 1);
  kept.push({ kind: 'large-diff', message: `${clipped.length - kept.length} more findings not listed.` });
  return kept;
}

/** True when any finding is a likely secret (these block trusted auto-approval). */
export function hasSecretFinding(findings: readonly Finding[]): boolean {
  return findings.some((finding) => finding.kind === 'secret' || finding.kind === 'env-file');
}

function scanPatchForSecrets(patch: string, findings: Finding[]): void {
  let path: string | undefined;
  let line = 0;
  let inHunk = false;
  for (const text of patch.split('\n')) {
    if (text.startsWith('diff --git ')) {
      inHunk = false;
      path = undefined;
      continue;
    }
    if (!inHunk && text.startsWith('+++ ')) {
      const target = text.slice(4).trim();
      path = target === '/dev/null' ? undefined : target.replace(/^b\//, '');
      continue;
    }
    const hunk = text.startsWith('@@') ? /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text) : null;
    if (hunk) {
      inHunk = true;
      line = Number(hunk[1]);
      continue;
    }
    if (!inHunk) continue;
    if (text.startsWith('+')) {
      const rule = SECRET_RULES.find((candidate) => candidate.pattern.test(text));
      if (rule) {
        findings.push({
          kind: 'secret',
          ...(path === undefined ? {} : { path }),
          line,
          message: `Possible ${rule.name}${path ? ` in ${path}` : ''} at line ${line}.`,
        });
      }
      line += 1;
    } else if (text.startsWith(' ')) {
      line += 1;
    }
  }
}
