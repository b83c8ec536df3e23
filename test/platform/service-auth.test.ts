// A service's own token: one login shared by concurrent callers, kept until shortly before expiry, a new
// login after a refusal, and a 503 naming the user when identity refuses the password.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { isAppError } from '../../src/platform/errors/catalogue.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import { PasswordTokenSource } from '../../src/platform/service-auth.ts';

const ctx = { log: silentLogger(), signal: new AbortController().signal };

test('service token source: shared login, renewal before expiry, invalidation, refusal', async (t) => {
  let logins = 0;
  let clock = 1_000_000;
  const lifeMs = 3_600_000;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const password = JSON.parse(body).auth.identity.password.user.password;
      if (password !== 'right') return res.writeHead(401).end('{"error":{"code":401}}');
      logins++;
      res.writeHead(201, { 'content-type': 'application/json', 'x-subject-token': `token-${logins}` }).end(
        JSON.stringify({
          token: { user: { id: 'u' }, expires_at: new Date(clock + lifeMs).toISOString() },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const address = server.address();
  const authUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v3`;
  const source = (password: string) =>
    new PasswordTokenSource(
      () => ({ authUrl, username: 'glance', password, projectName: 'service', interface: 'internal' }),
      () => clock,
    );

  const s = source('right');
  const first = await Promise.all([s.token(ctx), s.token(ctx), s.token(ctx)]);
  assert.deepEqual(first, ['token-1', 'token-1', 'token-1']);
  assert.equal(logins, 1, 'concurrent callers share one login');
  clock += lifeMs - 120_000; // two minutes left: still kept
  assert.equal(await s.token(ctx), 'token-1');
  clock += 61_000; // under a minute left: renewed
  assert.equal(await s.token(ctx), 'token-2');
  s.invalidate('token-1'); // an old token's refusal does not drop the current one
  assert.equal(await s.token(ctx), 'token-2');
  s.invalidate('token-2');
  assert.equal(await s.token(ctx), 'token-3');
  await assert.rejects(
    source('wrong').token(ctx),
    (e: unknown) => isAppError(e) && e.status === 503 && /glance cannot log in/.test(e.message),
  );
});
