import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashSecret, parseHash, verifySecret } from '../../src/identity/model/password.ts';

const cheap = { ln: 10, r: 8, p: 1 };

test('hashes verify only their own secret, whatever the characters', async () => {
  const secrets = ['s3cret', '', 'quote\'s "double"', 'ünïcödé 密码 🔑', 'e\u0301'];
  for (const secret of secrets) {
    const hash = await hashSecret(secret, cheap);
    assert.match(hash, /^\$scrypt\$ln=10,r=8,p=1\$/);
    assert.equal(await verifySecret(secret, hash), true, secret);
    assert.equal(await verifySecret(`${secret}x`, hash), false, `${secret}x`);
  }
  // NFC normalisation: the composed and decomposed forms of é are the same password.
  assert.equal(await verifySecret('\u00e9', await hashSecret('e\u0301', cheap)), true);
});

test('each hash has its own salt', async () => {
  assert.notEqual(await hashSecret('same', cheap), await hashSecret('same', cheap));
});

test('the default cost is memory-hard and recorded in the hash', async () => {
  const hash = await hashSecret('x');
  assert.deepEqual(parseHash(hash)?.cost, { ln: 15, r: 8, p: 1 });
});

test('malformed stored hashes never verify', async () => {
  const cases = ['', 'plain', '$scrypt$ln=99,r=8,p=1$AAAA$AAAA', '$bcrypt$xx', '$scrypt$ln=10,r=8,p=1$$'];
  for (const stored of cases) assert.equal(await verifySecret('x', stored), false, stored);
  assert.equal(await verifySecret('x'.repeat(5000), await hashSecret('x', cheap)), false, 'over-long input');
});
