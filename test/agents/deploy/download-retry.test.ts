// Which failed image downloads are worth starting over, and the bounded loop that does it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ImageChecksumError,
  ImageDownloadError,
  ImageStreamError,
  retryReason,
  withDownloadRetries,
} from '../../../src/agents/deploy/download-retry.ts';

const silent = { info() {}, warn() {}, error() {} };

describe('retryReason', () => {
  const rows: Array<[string, unknown, string[], boolean]> = [
    ['a body that broke off', new ImageStreamError('x: aborted'), [], true],
    ['no connection / a 5xx', new ImageDownloadError('refused', true), [], true],
    ['a 4xx answer', new ImageDownloadError('HTTP 403', false), [], false],
    ['a mismatch over the whole declared body', new ImageChecksumError('bad', 'aa', true), [], false],
    ['a mismatch over a body of unknown length', new ImageChecksumError('bad', 'aa', false), [], true],
    ['the same wrong digest again', new ImageChecksumError('bad', 'aa', false), ['aa'], false],
    ['a disk error', new Error('EIO'), [], false],
  ];
  for (const [name, e, digests, retried] of rows)
    test(name, () => assert.equal(retryReason(e, digests) !== undefined, retried));
});

describe('withDownloadRetries', () => {
  const ctx = () => ({ log: silent, signal: new AbortController().signal });
  test('stops at the first success, with the earlier reasons', async () => {
    let n = 0;
    const r = await withDownloadRetries(ctx(), 'img', { attempts: 3, delayMs: 1 }, async () => {
      if (++n < 2) throw new ImageStreamError('cut');
      return 'ok';
    });
    assert.deepEqual(r, { value: 'ok', failures: ['attempt 1: cut'] });
  });
  test('gives up after the attempts, every reason in the message', async () => {
    let n = 0;
    await assert.rejects(
      withDownloadRetries(ctx(), 'img', { attempts: 2, delayMs: 1 }, async () => {
        throw new ImageStreamError(`cut ${++n}`);
      }),
      (e: Error) =>
        e instanceof ImageStreamError &&
        e.message === 'img failed (2 attempts): attempt 1: cut 1; attempt 2: cut 2',
    );
    assert.equal(n, 2);
  });
  test('a final failure after a retry ends it at once', async () => {
    let n = 0;
    await assert.rejects(
      withDownloadRetries(ctx(), 'img', { attempts: 5, delayMs: 1 }, async () => {
        if (++n === 1) throw new ImageStreamError('cut');
        throw new ImageDownloadError('HTTP 404', false);
      }),
      /^Error: img failed \(2 attempts, the last one not retryable\): attempt 1: cut; attempt 2: HTTP 404$/,
    );
    assert.equal(n, 2);
  });
  test('a cancelled command is not retried', async () => {
    const ac = new AbortController();
    let n = 0;
    await assert.rejects(
      withDownloadRetries(
        { log: silent, signal: ac.signal },
        'img',
        { attempts: 3, delayMs: 1 },
        async () => {
          n++;
          ac.abort();
          throw new ImageStreamError('aborted');
        },
      ),
      /aborted/,
    );
    assert.equal(n, 1);
  });
});
