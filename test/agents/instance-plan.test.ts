// instance-init's decisions, table-driven: which metadata is usable, how keys join authorized_keys, the
// once-per-instance file name (what user data holds: user-data-parts.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { doneName, readMetadata, withKeys } from '../../src/agents/config/instance-plan.ts';

test('readMetadata: the uuid and the public keys, or why not', () => {
  const cases: [string, ReturnType<typeof readMetadata>][] = [
    [
      '{"uuid":"u1","public_keys":{"k1":"ssh-ed25519 AAA a@b\\n"}}',
      { uuid: 'u1', keys: ['ssh-ed25519 AAA a@b'] },
    ],
    ['{"uuid":"u1","public_keys":{"a":"k-a","b":"k-b"}}', { uuid: 'u1', keys: ['k-a', 'k-b'] }],
    ['{"uuid":"u1"}', { uuid: 'u1', keys: [] }],
    ['{"uuid":"u1","public_keys":{"a":"","b":3}}', { uuid: 'u1', keys: [] }],
    ['{"public_keys":{}}', 'meta_data.json has no uuid'],
    ['[1]', 'meta_data.json has no uuid'],
    ['null', 'meta_data.json is not an object'],
    ['{', 'meta_data.json is not JSON'],
  ];
  for (const [text, want] of cases) assert.deepEqual(readMetadata(text), want, text);
});

test('withKeys: appends what is missing, keeps what is there once', () => {
  const cases: [string, string[], string][] = [
    ['', ['k1'], 'k1\n'],
    ['', [], ''],
    ['old\n', ['k1'], 'old\nk1\n'],
    ['k1\n', ['k1'], 'k1\n'],
    ['old', ['k1', 'k2'], 'old\nk1\nk2\n'],
    ['\n\nold\n\n', [], 'old\n'],
  ];
  for (const [existing, keys, want] of cases) assert.equal(withKeys(existing, keys), want, existing);
});

test('doneName: UUIDs as they are, anything else hexed (no path tricks)', () => {
  assert.equal(doneName('0f1e2d3c-aaaa-bbbb-cccc-000011112222'), '0f1e2d3c-aaaa-bbbb-cccc-000011112222.done');
  assert.equal(doneName('../x'), `${Buffer.from('../x').toString('hex')}.done`);
});
