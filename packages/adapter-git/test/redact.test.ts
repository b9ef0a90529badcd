import { describe, expect, it } from 'vitest';
import { basicAuthSecrets, createRedactor } from '../src/redact.js';

describe('createRedactor', () => {
  const token = 'ghp_SECRETsecretSECRETsecret0123456789ab';
  const redact = createRedactor(basicAuthSecrets('x-access-token', token));

  it('masks a known secret in plain, Base64 (Basic auth) and URL-encoded form', () => {
    const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
    const text = `token=${token} header=Authorization: Basic ${basic} raw=${basic} url=${encodeURIComponent(token)}`;
    const out = redact(text);
    expect(out).not.toContain(token);
    expect(out).not.toContain(basic);
    expect(out).not.toContain(token.slice(4));
  });

  it('masks secret shapes it was not told about: URL user info, Authorization headers, GitHub tokens', () => {
    const generic = createRedactor();
    expect(generic('https://user:pass@example.com/x.git')).toBe('https://***@example.com/x.git');
    expect(generic('Authorization: Bearer abc.def')).toBe('Authorization: Bearer ***');
    expect(generic('github_pat_11ABCDEFG0123456789_abcdef')).toBe('github_pat_***');
    expect(generic('gho_abcdefgh12345678')).toBe('gho_***');
  });

  it('masks GitLab token shapes and PRIVATE-TOKEN headers', () => {
    const generic = createRedactor();
    expect(generic('glpat-AbCdEfGh12345678_-xy')).toBe('glpat-***');
    expect(generic('token gloas-0123456789abcdef used')).toBe('token gloas-*** used');
    expect(generic('PRIVATE-TOKEN: anything-at-all')).toBe('PRIVATE-TOKEN: ***');
    expect(generic('a glob-pattern and glpat-short')).toBe('a glob-pattern and glpat-short');
  });

  it('leaves ordinary text alone', () => {
    expect(redact('git push exited with 1: rejected (stale info)')).toBe('git push exited with 1: rejected (stale info)');
  });
});
