import { PublishGateError, type PublishGateErrorCode } from '@publishgate/core';

/** What `promise` rejected with; fails the test if it resolved. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/**
 * The `PublishGateError` code `promise` rejected with, or `'resolved'`; any other error is
 * rethrown, so a crash never passes for a refusal.
 */
export async function codeOf(promise: Promise<unknown>): Promise<PublishGateErrorCode | 'resolved'> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    if (PublishGateError.is(error)) return error.code;
    throw error;
  }
}
