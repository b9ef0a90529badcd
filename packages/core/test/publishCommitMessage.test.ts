import { publishRequestIdOf } from '@publishgate/core';
import { describe, expect, it } from 'vitest';
import { publishCommitMessage } from '../src/publishCommitMessage.ts';

describe('publish commit messages', () => {
  const workspace = { id: 'ws-1', name: 'Shop', blueprintId: 'bp-1', ownerId: 'u-1' };

  it('the trailer the gate writes reads back as the request id, with or without a note', () => {
    expect(publishRequestIdOf(publishCommitMessage(workspace, 'shop', 'req-1', undefined))).toBe('req-1');
    expect(publishRequestIdOf(publishCommitMessage(workspace, 'shop', 'req-2', 'Publish-Request: fake\n\nmore'))).toBe('req-2');
  });

  it('a message without the trailer in its last paragraph has no request id', () => {
    expect(publishRequestIdOf('Publish Shop\n\nPublish-Request: req-1\n\nSigned-off-by: x')).toBeUndefined();
    expect(publishRequestIdOf('just a commit\n')).toBeUndefined();
  });
});
