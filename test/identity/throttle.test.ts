import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isLocked,
  isStale,
  recordFailure,
  type ThrottlePolicy,
  type ThrottleState,
  throttleKey,
} from '../../src/identity/model/throttle.ts';

const policy: ThrottlePolicy = { maxFailures: 3, windowMs: 1000, lockoutMs: 5000 };

/** Plays failures at the given times; returns whether the key is locked at `at`. */
function play(times: number[], at: number, p = policy): boolean {
  let s: ThrottleState | undefined;
  for (const t of times) s = recordFailure(s, t, p);
  return isLocked(s, at);
}

test('failures lock an identifier only when they come fast enough', () => {
  const cases: [string, number[], number, boolean][] = [
    ['two failures', [0, 10], 20, false],
    ['three quick failures', [0, 10, 20], 30, true],
    ['still locked before the lockout ends', [0, 10, 20], 20 + 4999, true],
    ['unlocked when the lockout ends', [0, 10, 20], 20 + 5000, false],
    ['slow failures never lock', [0, 1500, 3000, 4500], 4600, false],
    ['window restarts after it passes', [0, 10, 1100, 1110], 1120, false],
    ['window restarts and fills again', [0, 1100, 1110, 1120], 1130, true],
  ];
  for (const [name, times, at, locked] of cases) assert.equal(play(times, at), locked, name);
});

test('maxFailures 0 disables throttling', () => {
  assert.equal(play([0, 1, 2, 3, 4, 5], 6, { ...policy, maxFailures: 0 }), false);
});

test('stale records can be dropped, locked ones cannot', () => {
  const locked = recordFailure(recordFailure(recordFailure(undefined, 0, policy), 1, policy), 2, policy);
  assert.equal(isStale(locked, 100, policy), false);
  assert.equal(isStale(locked, 6000, policy), true);
});

test('throttle keys do not depend on whether the user exists', () => {
  assert.equal(throttleKey({ id: 'abc' }), 'id:abc');
  assert.equal(throttleKey({ name: 'bob', domainId: 'default' }), 'name:default:bob');
  assert.equal(
    throttleKey({ name: 'bob', domainName: 'Default' }),
    throttleKey({ name: 'bob', domainName: 'default' }),
  );
  assert.notEqual(
    throttleKey({ name: 'bob', domainName: 'Default' }),
    throttleKey({ name: 'Bob', domainName: 'Default' }),
  );
});
