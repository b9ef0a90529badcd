'use client';

/**
 * A polite live region, rendered from the first render on so that screen readers register it
 * before anything is announced (a region inserted together with its message is often not read).
 */
export function LiveRegion({ message }: { message: string }) {
  return (
    <div className="pg-sr-only" role="status" aria-live="polite" aria-atomic="true" data-pg-live="">
      {message}
    </div>
  );
}
