import { type ReactNode, useEffect, useRef } from 'react';

let firstPage = true;

/**
 * A page's heading and title. After client-side navigation, focus moves to the heading so screen
 * reader and keyboard users start at the new content (a full page load starts there anyway).
 */
export function Page({ title, children, lead }: { title: string; lead?: ReactNode; children?: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · publishgate portal demo`;
  }, [title]);
  useEffect(() => {
    if (firstPage) {
      firstPage = false;
      return;
    }
    heading.current?.focus();
  }, []);
  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {lead ? <div className="lead">{lead}</div> : null}
      {children}
    </>
  );
}
