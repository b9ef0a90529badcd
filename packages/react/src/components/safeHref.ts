/**
 * The URL if it is http(s), else undefined. Pull request URLs come from a git host adapter and
 * end up in `href`: a `javascript:` URL there would run on click, so anything else is shown as text.
 */
export function safeHref(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}
