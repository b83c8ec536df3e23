// The remote token cache as a table: what is answered from memory, for how long, and what is evicted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_TOKEN_CACHE,
  parseTokenCacheSettings,
  TokenCache,
} from '../../src/identity/model/token-cache.ts';

type Step =
  | { put: string; expiresAt: number; at: number }
  | { refuse: string; at: number }
  | { get: string; at: number; want: 'valid' | 'invalid' | 'miss' };

test('answers are kept at most ttlMs, never past the token expiry, least recently used out first', () => {
  const cases: { name: string; entries: number; ttlMs: number; steps: Step[] }[] = [
    {
      name: 'a valid answer lives ttlMs',
      entries: 10,
      ttlMs: 1000,
      steps: [
        { put: 'a', expiresAt: 1e9, at: 0 },
        { get: 'a', at: 999, want: 'valid' },
        { get: 'a', at: 1000, want: 'miss' },
      ],
    },
    {
      name: 'the token expiry comes first',
      entries: 10,
      ttlMs: 1000,
      steps: [
        { put: 'a', expiresAt: 300, at: 0 },
        { get: 'a', at: 299, want: 'valid' },
        { get: 'a', at: 300, want: 'miss' },
      ],
    },
    {
      name: 'a refusal is kept ttlMs too',
      entries: 10,
      ttlMs: 1000,
      steps: [
        { refuse: 'bad', at: 0 },
        { get: 'bad', at: 500, want: 'invalid' },
        { get: 'bad', at: 1000, want: 'miss' },
      ],
    },
    {
      name: 'the least recently used goes when full',
      entries: 2,
      ttlMs: 1000,
      steps: [
        { put: 'a', expiresAt: 1e9, at: 0 },
        { put: 'b', expiresAt: 1e9, at: 1 },
        { get: 'a', at: 2, want: 'valid' }, // a is now the most recent
        { put: 'c', expiresAt: 1e9, at: 3 },
        { get: 'b', at: 4, want: 'miss' },
        { get: 'a', at: 5, want: 'valid' },
        { get: 'c', at: 6, want: 'valid' },
      ],
    },
    {
      name: 'a later answer replaces an earlier one',
      entries: 2,
      ttlMs: 1000,
      steps: [
        { put: 'a', expiresAt: 1e9, at: 0 },
        { refuse: 'a', at: 10 },
        { get: 'a', at: 20, want: 'invalid' },
      ],
    },
    {
      name: 'entries 0 keeps nothing',
      entries: 0,
      ttlMs: 1000,
      steps: [
        { put: 'a', expiresAt: 1e9, at: 0 },
        { get: 'a', at: 1, want: 'miss' },
      ],
    },
    {
      name: 'ttlMs 0 keeps nothing',
      entries: 10,
      ttlMs: 0,
      steps: [
        { refuse: 'a', at: 0 },
        { get: 'a', at: 0, want: 'miss' },
      ],
    },
  ];
  for (const c of cases) {
    const cache = new TokenCache<string>({ entries: c.entries, ttlMs: c.ttlMs });
    for (const [i, s] of c.steps.entries()) {
      if ('put' in s) cache.putValid(s.put, `ctx-${s.put}`, s.expiresAt, s.at);
      else if ('refuse' in s) cache.putInvalid(s.refuse, s.at);
      else {
        const got = cache.get(s.get, s.at);
        const kind = got === undefined ? 'miss' : got.valid ? 'valid' : 'invalid';
        assert.equal(kind, s.want, `${c.name}, step ${i}`);
        if (got?.valid) assert.equal(got.value, `ctx-${s.get}`);
      }
      assert.ok(cache.size <= Math.max(c.entries, 0), `${c.name}: bounded`);
    }
  }
});

test('token cache settings: defaults, checks, unknown keys refused', () => {
  assert.deepEqual(parseTokenCacheSettings(undefined), DEFAULT_TOKEN_CACHE);
  assert.deepEqual(parseTokenCacheSettings({ ttlMs: 500 }), {
    entries: DEFAULT_TOKEN_CACHE.entries,
    ttlMs: 500,
  });
  const bad: [unknown, RegExp][] = [
    [[], /expected an object/],
    [{ entries: -1 }, /entries/],
    [{ ttlMs: 1.5 }, /ttlMs/],
    [{ ttlMs: 3_600_001 }, /ttlMs/],
    [{ ttl: 5 }, /unknown key ttl/],
  ];
  for (const [raw, message] of bad)
    assert.throws(() => parseTokenCacheSettings(raw), message, JSON.stringify(raw));
});
