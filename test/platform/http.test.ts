import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { AppError, notFound, statusTitle } from '../../src/platform/errors/catalogue.ts';
import { createServiceApp } from '../../src/platform/http/server.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import { FakeTokens } from '../support/fake-tokens.ts';

// A toy service in the shape every real one has: public discovery, authenticated routes, its own error body.
let app: FastifyInstance;
before(async () => {
  const tokens = new FakeTokens();
  tokens.add('good', { roles: ['member'] });
  app = createServiceApp({
    name: 'toy',
    log: silentLogger(),
    tokens,
    bodyLimit: 1024,
    render: (err) => ({
      body: { toyError: { code: err.status, type: err.type ?? err.code, message: err.message } },
    }),
  });
  app.get('/', { config: { public: true } }, async (_req, reply) => reply.code(300).send({ versions: [] }));
  app.get('/v1/things/:id', async (req) => {
    const { id } = req.params as { id: string };
    if (id !== 'known') throw notFound(`Thing ${id} could not be found.`, { type: 'ThingNotFound' });
    return { thing: { id, by: req.auth?.userId } };
  });
  app.post('/v1/things', async (req, reply) => reply.code(201).send({ got: req.body }));
  app.delete('/v1/things/:id', async (_req, reply) => reply.code(204).send());
  app.get('/v1/crash', async () => {
    throw new Error('secret internal detail');
  });
  await app.ready();
});
after(() => app.close());

const auth = { 'x-auth-token': 'good' };

test('public routes need no token; others refuse a missing or bad one with 401', async () => {
  assert.equal((await app.inject({ url: '/' })).statusCode, 300);
  for (const headers of [{}, { 'x-auth-token': 'bad' }, { 'x-auth-token': '' }]) {
    const res = await app.inject({ url: '/v1/things/known', headers });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().toyError.code, 401);
  }
});

test('a trailing slash is ignored and every response carries a request id', async () => {
  const res = await app.inject({ url: '/v1/things/known/', headers: auth });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().thing.by, 'user-good');
  assert.match(String(res.headers['x-openstack-request-id']), /^req-[0-9a-f-]{36}$/);
});

test('unknown ids and unknown paths are 404 in the service format', async () => {
  const res = await app.inject({ url: '/v1/things/some-name', headers: auth });
  assert.equal(res.statusCode, 404);
  assert.deepEqual(res.json(), {
    toyError: { code: 404, type: 'ThingNotFound', message: 'Thing some-name could not be found.' },
  });
  assert.equal((await app.inject({ url: '/v9/nothing', headers: auth })).statusCode, 404);
});

test('bad bodies get clear 4xx errors', async () => {
  const cases: { payload: string; type?: string; status: number }[] = [
    { payload: '{"unterminated":', status: 400 },
    { payload: '{}', type: 'text/weird', status: 415 },
    { payload: JSON.stringify({ big: 'x'.repeat(2000) }), status: 413 },
  ];
  for (const c of cases) {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/things',
      headers: { ...auth, 'content-type': c.type ?? 'application/json' },
      payload: c.payload,
    });
    assert.equal(res.statusCode, c.status, c.payload.slice(0, 30));
    assert.equal(res.json().toyError.code, c.status);
  }
});

test('an empty JSON body is no body; a __proto__ key is refused', async () => {
  const empty = await app.inject({
    method: 'POST',
    url: '/v1/things',
    headers: { ...auth, 'content-type': 'application/json' },
    payload: '',
  });
  assert.equal(empty.statusCode, 201);
  assert.deepEqual(empty.json(), {});
  const poisoned = await app.inject({
    method: 'POST',
    url: '/v1/things',
    headers: { ...auth, 'content-type': 'application/json' },
    payload: '{"__proto__": {"admin": true}}',
  });
  assert.equal(poisoned.statusCode, 400);
  assert.equal(poisoned.json().toyError.code, 400);
});

test('204 carries no JSON content type; 500 hides internals', async () => {
  const res = await app.inject({ method: 'DELETE', url: '/v1/things/known', headers: auth });
  assert.equal(res.statusCode, 204);
  assert.equal(res.headers['content-type'], undefined);
  const crash = await app.inject({ url: '/v1/crash', headers: auth });
  assert.equal(crash.statusCode, 500);
  assert.doesNotMatch(crash.body, /secret internal detail/);
});

test('the catalogue gives status and title for every code', () => {
  const cases: [ConstructorParameters<typeof AppError>[0], number, string][] = [
    ['BAD_REQUEST', 400, 'Bad Request'],
    ['UNAUTHORIZED', 401, 'Unauthorized'],
    ['FORBIDDEN', 403, 'Forbidden'],
    ['NOT_FOUND', 404, 'Not Found'],
    ['CONFLICT', 409, 'Conflict'],
    ['PAYLOAD_TOO_LARGE', 413, 'Request Entity Too Large'],
    ['RANGE_NOT_SATISFIABLE', 416, 'Requested Range Not Satisfiable'],
    ['INTERNAL', 500, 'Internal Server Error'],
  ];
  for (const [code, status, title] of cases) {
    const e = new AppError(code, 'm');
    assert.equal(e.status, status);
    assert.equal(statusTitle(e.status), title);
  }
});
