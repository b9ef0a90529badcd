import { PublishGateError, type PublishGateErrorCode } from '@publishgate/core';
import { expect } from 'vitest';
import { rejectionOf } from '../testing/expectations.js';

/** Asserts that `promise` rejects with a `PublishGateError` of `code`. */
export async function expectErrorCode(promise: Promise<unknown>, code: PublishGateErrorCode): Promise<void> {
  const caught = await rejectionOf(promise);
  expect(PublishGateError.is(caught), `expected PublishGateError(${code}), got ${String(caught)}`).toBe(true);
  expect((caught as PublishGateError).code).toBe(code);
}
