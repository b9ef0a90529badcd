import { Page } from '../Page.js';
import { onLinkClick } from '../router.js';

/** Any path the portal does not know. */
export function NotFoundPage() {
  return (
    <Page title="Page not found">
      <p>
        There is nothing here. Go to the{' '}
        <a href="/" onClick={onLinkClick}>
          start page
        </a>
        .
      </p>
    </Page>
  );
}
