/** Names refused by default because they collide with infrastructure or invite phishing. */
export const DEFAULT_RESERVED_SUBDOMAINS: readonly string[] = [
  'www',
  'api',
  'admin',
  'administrator',
  'mail',
  'email',
  'smtp',
  'imap',
  'pop',
  'pop3',
  'ftp',
  'sftp',
  'ns',
  'ns1',
  'ns2',
  'dns',
  'mx',
  'vpn',
  'proxy',
  'gateway',
  'cdn',
  'static',
  'assets',
  'media',
  'auth',
  'login',
  'logout',
  'signin',
  'signup',
  'sso',
  'oauth',
  'account',
  'accounts',
  'billing',
  'status',
  'health',
  'metrics',
  'help',
  'support',
  'docs',
  'blog',
  'portal',
  'dashboard',
  'console',
  'internal',
  'intranet',
  'localhost',
  'root',
  'system',
  'security',
  'git',
  'registry',
  'webmail',
];

/** Why a subdomain cannot be used. */
export type SubdomainRefusal = 'invalid' | 'reserved' | 'taken';

/** Result of {@link validateSubdomain}. */
export type SubdomainValidation =
  | { ok: true; normalized: string }
  | { ok: false; reason: 'invalid' | 'reserved'; message: string; normalized?: string };

/** Options for {@link validateSubdomain}. */
export type ValidateSubdomainOptions = {
  /**
   * Names to refuse with reason `reserved`; defaults to {@link DEFAULT_RESERVED_SUBDOMAINS}. A Set
   * must hold lower-case names; it is the cheaper form for callers that validate often.
   */
  reserved?: readonly string[] | ReadonlySet<string>;
};

const MIN_LENGTH = 3;
const MAX_LENGTH = 63;

/**
 * Checks a subdomain label against publishgate's rules and lower-cases it.
 *
 * Rules: 3–63 characters of `[a-z0-9-]` (upper-case ASCII is accepted and lower-cased), no leading
 * or trailing `-`, no `--` (which also refuses punycode `xn--` labels), not reserved.
 * The character check runs before lower-casing, so look-alikes such as the Kelvin sign (`K`, which
 * `toLowerCase()` turns into an ASCII `k`) or a dotted `İ` are refused rather than folded.
 *
 * @example
 * ```ts
 * validateSubdomain('My-App');   // { ok: true, normalized: 'my-app' }
 * validateSubdomain('admin');    // { ok: false, reason: 'reserved', ... }
 * validateSubdomain('--upload-pack=x'); // { ok: false, reason: 'invalid', ... }
 * ```
 */
export function validateSubdomain(input: unknown, options: ValidateSubdomainOptions = {}): SubdomainValidation {
  if (typeof input !== 'string') return invalid('must be a string');
  if (input.length < MIN_LENGTH) return invalid(`must be at least ${MIN_LENGTH} characters`);
  if (input.length > MAX_LENGTH) return invalid(`must be at most ${MAX_LENGTH} characters`);
  if (!/^[A-Za-z0-9-]+$/.test(input)) return invalid('may contain only letters a–z, digits and hyphens');
  const normalized = input.toLowerCase();
  if (normalized.startsWith('-') || normalized.endsWith('-')) return invalid('must not start or end with a hyphen');
  if (normalized.includes('--')) return invalid('must not contain two hyphens in a row');
  const reserved = options.reserved ?? DEFAULT_RESERVED_SUBDOMAINS;
  if ('has' in reserved ? reserved.has(normalized) : reserved.some((name) => name.toLowerCase() === normalized)) {
    return { ok: false, reason: 'reserved', message: `"${normalized}" is reserved`, normalized };
  }
  return { ok: true, normalized };
}

function invalid(message: string): SubdomainValidation {
  return { ok: false, reason: 'invalid', message: `Subdomain ${message}.` };
}

/**
 * Turns arbitrary text (a workspace name, a refused input) into the closest label that passes the
 * syntax rules, or `undefined` when nothing usable is left.
 */
export function slugifySubdomain(text: string): string | undefined {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, MAX_LENGTH)
    .replace(/-$/, '');
  if (slug.length < MIN_LENGTH) return undefined;
  return slug;
}

/**
 * Candidate names to offer when `base` is unavailable, most natural first. The caller filters
 * them by availability.
 */
export function subdomainCandidates(base: string, context: { workspaceName?: string } = {}): string[] {
  const root = slugifySubdomain(base) ?? slugifySubdomain(context.workspaceName ?? '') ?? 'app';
  const trimmed = (suffix: string) => `${root.slice(0, MAX_LENGTH - suffix.length).replace(/-$/, '')}${suffix}`;
  const out = new Set<string>();
  const fromWorkspace = slugifySubdomain(context.workspaceName ?? '');
  if (fromWorkspace && fromWorkspace !== root) {
    out.add(trimmed(`-${fromWorkspace}`.slice(0, 30).replace(/-$/, '')));
  }
  for (const suffix of ['-app', '-site', '-2', '-3', '-dev', '-web', '-4', '-5']) out.add(trimmed(suffix));
  return [...out].filter((name) => name.length >= MIN_LENGTH && !name.includes('--'));
}
