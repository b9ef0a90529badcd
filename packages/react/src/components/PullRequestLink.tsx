'use client';
import { safeHref } from './safeHref.js';

/** A link to a deployment pull request; plain text when its URL is not http(s). */
export function PullRequestLink({ url, text }: { url: string; text: string }) {
  const href = safeHref(url);
  if (!href) return <span data-pg-pull-request="">{text}</span>;
  return (
    <a href={href} target="_blank" rel="noreferrer noopener" data-pg-pull-request="">
      {text}
    </a>
  );
}
