/** Replaces secrets in text before it leaves the adapter (error messages, log lines). */
export type Redactor = (text: string) => string;

const MASK = '***';

// Shapes that are secrets wherever they appear, whether or not the adapter knows the value:
// URL user info, Authorization and PRIVATE-TOKEN headers and the token formats GitHub and GitLab issue.
const GENERIC: ReadonlyArray<[RegExp, string]> = [
  [/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, `$1${MASK}@`],
  [/(authorization:\s*)(basic|bearer|token)\s+\S+/gi, `$1$2 ${MASK}`],
  [/\b(gh[pousr]_)[A-Za-z0-9]{8,}/g, `$1${MASK}`],
  [/\b(github_pat_)[A-Za-z0-9_]{8,}/g, `$1${MASK}`],
  [/\b(x-access-token:)\S+/gi, `$1${MASK}`],
  [/(private-token:\s*)\S+/gi, `$1${MASK}`],
  [/\b(gl(?:pat|oas|dt|rt|rtr|cbt|ptt|ft|imt|agent|soat|ffct)-)[A-Za-z0-9_-]{8,}/g, `$1${MASK}`],
];

/**
 * Builds a redactor that masks every given secret value (and its Base64 and URL-encoded forms,
 * which is how they travel in Basic auth headers and URLs) plus the generic secret shapes above.
 * Values shorter than 4 characters are ignored: masking them would shred ordinary text.
 */
export function createRedactor(secrets: ReadonlyArray<string | undefined> = []): Redactor {
  const values = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    values.add(secret);
    values.add(Buffer.from(secret, 'utf8').toString('base64'));
    values.add(encodeURIComponent(secret));
  }
  // Longest first, so a value that contains another is masked whole.
  const ordered = [...values].filter((value) => value.length >= 4).sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const value of ordered) out = out.split(value).join(MASK);
    for (const [pattern, replacement] of GENERIC) out = out.replace(pattern, replacement);
    return out;
  };
}

/** Basic-auth material for `username:password`, so its encodings can be redacted too. */
export function basicAuthSecrets(username: string, password: string): string[] {
  const pair = `${username}:${password}`;
  return [password, pair, Buffer.from(pair, 'utf8').toString('base64')];
}
