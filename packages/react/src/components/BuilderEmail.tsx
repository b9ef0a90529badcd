'use client';

/** The builder's email as text, with the "trusted" badge when they are auto-approved for the blueprint. */
export function BuilderEmail({ email, trusted, trustedLabel }: { email: string; trusted: boolean; trustedLabel: string }) {
  return (
    <>
      {email}
      {trusted ? (
        <>
          {' '}
          <span className="pg-badge" data-pg-trusted="">
            {trustedLabel}
          </span>
        </>
      ) : null}
    </>
  );
}
