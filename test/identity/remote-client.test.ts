// The identity client of a process that does not serve identity, against a real identity service: tokens
// validated over HTTP with a service user's token, answers cached within bounds, revocation honoured once
// the cache TTL passes, and clear 503s when identity refuses the service or does not answer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpIdentityClient } from '../../src/identity/http-client.ts';
import { isAppError } from '../../src/platform/errors/catalogue.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import type { Caller } from '../../src/platform/service.ts';
import { PasswordTokenSource } from '../../src/platform/service-auth.ts';
import { startTestSeed } from '../support/seed.ts';

const ctx = { log: silentLogger(), signal: new AbortController().signal };

const status = (code: number, message?: RegExp) => (e: unknown) =>
  isAppError(e) && e.status === code && (message === undefined || message.test(e.message));

test('remote token validation with a service token', async (t) => {
  const s = await startTestSeed({ services: ['identity'], settings: { identity: { hashCostLog2: 10 } } });
  t.after(() => s.stop());
  const admin = s.seed.identity!;
  await admin.ensureServiceUsers(ctx, [{ name: 'glance', password: 'glance-secret' }]);
  const callerAs = (username: string, password: string, project = 'service'): Caller => ({
    service: 'image',
    ctx,
    auth: new PasswordTokenSource(() => ({
      authUrl: s.authUrl,
      username,
      password,
      projectName: project,
      userDomainName: 'Default',
      projectDomainName: 'Default',
      interface: 'internal',
    })),
  });
  const glance = callerAs('glance', 'glance-secret');
  const longCache = new HttpIdentityClient(s.urls.identity!, glance, { entries: 100, ttlMs: 600_000 });
  const shortCache = new HttpIdentityClient(s.urls.identity!, glance, { entries: 100, ttlMs: 200 });
  assert.equal(longCache.admin, undefined, "keystone-manage's work is not offered over HTTP");

  await t.test('a valid token: its user, project, roles and expiry; then from the cache', async () => {
    const token = await s.tokenFor('admin', s.adminPassword, 'admin');
    const auth = await longCache.tokens.validate(token);
    assert.equal(auth.userName, 'admin');
    assert.equal(auth.projectName, 'admin');
    assert.ok(auth.roles.includes('admin'));
    assert.ok(auth.expiresAt > Date.now());
    assert.equal(auth.tokenId, token);
    assert.equal(await longCache.tokens.validate(token), auth, 'the second answer is the cached one');
    assert.equal(longCache.tokens.cache.size, 1);
  });

  await t.test('garbage is refused with 401, and the refusal is cached', async () => {
    await assert.rejects(longCache.tokens.validate('not-a-token'), status(401));
    assert.equal(longCache.tokens.cache.get('not-a-token', Date.now())?.valid, false);
  });

  await t.test('a revoked token is refused once the cache TTL passes', async () => {
    const user = await s.addUser('revoke-me');
    assert.equal((await shortCache.tokens.validate(user.token)).userName, 'revoke-me');
    assert.equal((await longCache.tokens.validate(user.token)).userName, 'revoke-me');
    const res = await fetch(`${s.authUrl}/auth/tokens`, {
      method: 'DELETE',
      headers: { 'x-auth-token': user.token, 'x-subject-token': user.token },
    });
    assert.equal(res.status, 204);
    // No timed assert: poll until refused, within a bound far above the 200 ms TTL.
    const deadline = Date.now() + 20_000;
    let refused = false;
    while (!refused && Date.now() < deadline) {
      refused = await shortCache.tokens.validate(user.token).then(
        () => false,
        (e: unknown) => status(401)(e),
      );
      if (!refused) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(refused, 'the short-TTL client refuses the revoked token');
    // The documented bound: a client with a long TTL may answer from memory until its entry ages out.
    assert.equal((await longCache.tokens.validate(user.token)).userName, 'revoke-me');
  });

  await t.test(
    'a caller without the service role cannot validate others: 503 naming the service',
    async () => {
      const plain = await s.addUser('not-a-service');
      const client = new HttpIdentityClient(
        s.urls.identity!,
        callerAs('not-a-service', plain.password, 'not-a-service'),
        { entries: 10, ttlMs: 1000 },
      );
      const token = await s.tokenFor('admin', s.adminPassword, 'admin');
      await assert.rejects(
        client.tokens.validate(token),
        status(503, /refused the image service's credentials/),
      );
      const wrong = new HttpIdentityClient(s.urls.identity!, callerAs('glance', 'wrong'), {
        entries: 10,
        ttlMs: 1000,
      });
      await assert.rejects(wrong.tokens.validate(token), status(503, /glance cannot log in/));
    },
  );

  await t.test('identity gone: cached answers stand, others are 503', async () => {
    const token = await s.tokenFor('admin', s.adminPassword, 'admin');
    await longCache.tokens.validate(token);
    const other = await s.tokenFor('admin', s.adminPassword, 'admin');
    await s.seed.stop();
    assert.equal((await longCache.tokens.validate(token)).userName, 'admin');
    await assert.rejects(longCache.tokens.validate(other), status(503, /does not answer/));
  });
});
