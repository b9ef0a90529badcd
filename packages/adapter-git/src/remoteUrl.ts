import { isAbsolute } from 'node:path';
import { PublishGateError } from '@publishgate/core';

/** The transports the adapter lets git use; everything else (ext::, fd::, git://, http://) is refused. */
export type RemoteProtocol = 'https' | 'ssh' | 'file';

/** A remote URL that passed {@link parseRemoteUrl}. */
export type RemoteUrl = {
  /** The URL exactly as git receives it. */
  url: string;
  protocol: RemoteProtocol;
};

// Hosts and ssh users are plain DNS-ish names; anything else (a leading `-`, spaces, `%`, quotes) is
// how ssh option injection (`ssh://-oProxyCommand=...`) and similar tricks start.
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])$/;
const SSH_USER = /^[A-Za-z0-9._][A-Za-z0-9._-]{0,63}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const UNSAFE_CHARS = /[\u0000-\u0020\u007f"'`\\<>|;$]/;
// Percent-encoded control characters (a newline smuggled into a credential request, CVE-2020-5260).
const ENCODED_CONTROL = /%(?:[01][0-9a-f]|7f)/i;

function refuse(url: string, reason: string): never {
  // The URL is echoed only after masking anything that looks like user info.
  const shown = url.replace(/\/\/[^/@]*@/, '//***@').slice(0, 200);
  throw new PublishGateError('validation', `Refusing git remote "${shown}": ${reason}.`, {
    issues: [{ path: 'remote', message: reason }],
  });
}

/**
 * Checks a remote URL against the adapter's allowlist: `https://host/path`, `ssh://[user@]host[:port]/path`,
 * scp-like `user@host:path`, and `file:///absolute/path` or an absolute path for local remotes.
 * Refuses credentials in the URL (use the `credentials` option), transport helpers (`ext::`, `fd::`),
 * unencrypted transports, option-like hosts and paths, and control characters.
 */
export function parseRemoteUrl(raw: string): RemoteUrl {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2048) refuse(String(raw), 'expected a URL of at most 2048 characters');
  if (raw.startsWith('-')) refuse(raw, 'a remote must not start with "-"');
  if (UNSAFE_CHARS.test(raw)) refuse(raw, 'whitespace, quotes and control characters are not allowed');
  if (ENCODED_CONTROL.test(raw)) refuse(raw, 'percent-encoded control characters are not allowed');
  // `<transport>::<address>` runs a remote helper (ext:: runs a shell command).
  if (/^[A-Za-z][A-Za-z0-9+.-]*::/.test(raw)) refuse(raw, 'transport helpers such as ext:: and fd:: are not allowed');

  if (isAbsolute(raw) && raw.startsWith('/')) return { url: raw, protocol: 'file' };

  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(raw)?.[1]?.toLowerCase();
  if (scheme === undefined) return parseScpLike(raw);

  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    refuse(raw, 'not a valid URL');
  }
  if (parsed.search !== '' || parsed.hash !== '') refuse(raw, 'query strings and fragments are not allowed');
  if (parsed.password !== '') refuse(raw, 'credentials in the URL are not allowed; pass them with the credentials option');

  switch (scheme) {
    case 'https': {
      if (parsed.username !== '') refuse(raw, 'credentials in the URL are not allowed; pass them with the credentials option');
      checkHost(raw, parsed.hostname);
      checkPath(raw, decodeURIComponent(parsed.pathname));
      return { url: raw, protocol: 'https' };
    }
    case 'ssh': {
      if (parsed.username !== '' && !SSH_USER.test(decodeURIComponent(parsed.username))) refuse(raw, 'invalid ssh user');
      checkHost(raw, parsed.hostname);
      checkPath(raw, decodeURIComponent(parsed.pathname));
      return { url: raw, protocol: 'ssh' };
    }
    case 'file': {
      if (parsed.username !== '') refuse(raw, 'file URLs take no user');
      if (parsed.hostname !== '' && parsed.hostname !== 'localhost') refuse(raw, 'file URLs must name a local path');
      checkPath(raw, decodeURIComponent(parsed.pathname));
      return { url: raw, protocol: 'file' };
    }
    default:
      return refuse(raw, `the ${scheme} protocol is not allowed (use https, ssh or file)`);
  }
}

// scp-like syntax: `[user@]host:path`. git treats it as ssh when the part before `:` has no `/`.
function parseScpLike(raw: string): RemoteUrl {
  const match = /^(?:([^@/:]+)@)?([^@/:]+):(.+)$/.exec(raw);
  if (!match) refuse(raw, 'expected https://, ssh://, user@host:path or file://');
  const [, user, host, path] = match as unknown as [string, string | undefined, string, string];
  if (user !== undefined && !SSH_USER.test(user)) refuse(raw, 'invalid ssh user');
  checkHost(raw, host);
  checkPath(raw, path);
  return { url: raw, protocol: 'ssh' };
}

function checkHost(raw: string, host: string): void {
  if (!HOST.test(host)) refuse(raw, 'invalid host name');
}

function checkPath(raw: string, path: string): void {
  if (path.length === 0) refuse(raw, 'the repository path is missing');
  // A path that starts with `-` can be read as an option by the program on the other end.
  if (path.startsWith('-') || path.includes('/-')) refuse(raw, 'path segments must not start with "-"');
  if (UNSAFE_CHARS.test(path)) refuse(raw, 'whitespace, quotes and control characters are not allowed');
}
