'use client';
import type { ReactNode, RefObject } from 'react';

/** A heading level, so each component fits the outline of the page that embeds it. */
export type HeadingLevel = 1 | 2 | 3 | 4 | 5 | 6;

/** `<h1>`…`<h6>` by number; levels past 6 stay at 6. */
export function Heading({
  level,
  id,
  className,
  headingRef,
  children,
}: {
  level: number;
  id?: string;
  className?: string;
  /** Makes the heading focusable from script (`tabIndex={-1}`), to move focus to a section that opened. */
  headingRef?: RefObject<HTMLHeadingElement | null>;
  children: ReactNode;
}) {
  const Tag = `h${Math.min(Math.max(level, 1), 6)}` as 'h2';
  return (
    <Tag id={id} className={className} ref={headingRef} tabIndex={headingRef ? -1 : undefined}>
      {children}
    </Tag>
  );
}
