import { createTestHandler } from '../../../../../src/fixture';

// The route handler HTTP.md documents: the fetch handler exported as is for each method.
const { handler } = createTestHandler();

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export { handler as GET, handler as POST, handler as PUT };
