// The typed client registry: a service that declares `needs: ['image']` gets the image client, in-process
// or over HTTP with the same interface, and calls it with its own service token (its service user in the
// service project), or on a user's behalf with its token as X-Service-Token.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { renderKeystoneError } from '../../src/identity/api/render.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import type { ServiceDefinition, ServiceDeps } from '../../src/platform/service.ts';
import { bootstrapServiceUsers } from '../../src/seed/bootstrap.ts';
import { ALL_SERVICES } from '../../src/seed/services.ts';
import { buildServices } from '../../src/seed/start.ts';
import { startTestSeed } from '../support/seed.ts';

const ctx = { log: silentLogger(), signal: new AbortController().signal };

/** A service that only calls the image service, the way the bare metal service will. */
function probeService(seen: ServiceDeps<'image'>[]): ServiceDefinition<'probe', 'image'> {
  return {
    name: 'probe',
    defaultPort: 0,
    catalog: [{ type: 'probe', name: 'probe', path: '' }],
    migrations: [],
    needs: ['image'],
    create(deps) {
      seen.push(deps);
      return { register: () => undefined, render: renderKeystoneError };
    },
  };
}

test('a service receives the typed clients it declares, in-process and over HTTP alike', async (t) => {
  const seen: ServiceDeps<'image'>[] = [];
  const defs = [...ALL_SERVICES, probeService(seen)];
  const s = await startTestSeed({
    services: ['image', 'probe'],
    definitions: defs,
    settings: { identity: { hashCostLog2: 10 }, image: { fsync: false } },
  });
  t.after(() => s.stop());
  await bootstrapServiceUsers(s.seed.ctx, s.config, s.seed.identity!, defs, 'all');
  const local = seen[0]!;
  const serviceProject = (
    (await (
      await fetch(`${s.authUrl}/projects?name=service`, {
        headers: { 'x-auth-token': await s.tokenFor('admin', s.adminPassword, 'admin') },
      })
    ).json()) as { projects: { id: string }[] }
  ).projects[0]!.id;

  await t.test('in-process: for a user, and as the service itself (a public image)', async () => {
    const admin = await s.tokenFor('admin', s.adminPassword, 'admin');
    const made = await local.clients
      .get('image')
      .connect(admin)
      .create(ctx, { name: 'for-all', disk_format: 'raw', container_format: 'bare', visibility: 'public' });
    assert.notEqual(made.owner, serviceProject);
    const asService = await local.clients.get('image').connect(local.serviceAuth).list(ctx);
    assert.deepEqual(
      asService.map((i) => i.name),
      ['for-all'],
    );
    assert.throws(
      () => (local.clients as unknown as { get(n: string): unknown }).get('network'),
      /probe service uses network without declaring it in needs/,
    );
  });

  await t.test('over HTTP: the same interface, from a process that serves only the caller', async () => {
    const remote = await buildServices(
      {
        ...s.config,
        stateDir: `${s.stateDir}/apart`,
        services: ['probe'],
        serviceUrls: { identity: s.urls.identity!, image: s.urls.image! },
        serviceCredentials: `${s.stateDir}/service-credentials.json`,
        databaseUrl: '',
      },
      silentLogger(),
      defs,
    );
    try {
      assert.deepEqual(
        remote.built.map((b) => b.definition.name),
        ['probe'],
        'identity and image are not started here',
      );
      const deps = seen[1]!;
      const images = deps.clients.get('image').connect(deps.serviceAuth);
      const listed = await images.list(ctx);
      assert.deepEqual(
        listed.map((i) => i.name),
        ['for-all'],
      );
      // And the remote identity client validates through identity with probe's own token.
      const admin = await s.tokenFor('admin', s.adminPassword, 'admin');
      assert.equal((await remote.tokensFor(remote.built[0]!.caller).validate(admin)).userName, 'admin');
    } finally {
      await remote.close();
    }
  });

  await t.test("on a user's behalf: the user's token, and the service's own as X-Service-Token", async () => {
    const headers: Record<string, string | string[] | undefined>[] = [];
    const capture = createServer((req, res) => {
      headers.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"images":[]}');
    });
    await new Promise<void>((r) => capture.listen(0, '127.0.0.1', r));
    t.after(() => capture.close());
    const address = capture.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const { imageServiceClient } = await import('../../src/image/client.ts');
    const user = await s.addUser('behalf');
    const client = imageServiceClient(() => `http://127.0.0.1:${port}`).connect(user.token, {
      serviceToken: local.serviceAuth,
    });
    await client.list(ctx);
    assert.equal(headers[0]!['x-auth-token'], user.token);
    const serviceToken = headers[0]!['x-service-token'];
    assert.equal(typeof serviceToken, 'string');
    const who = await fetch(`${s.authUrl}/auth/tokens`, {
      headers: { 'x-auth-token': serviceToken as string, 'x-subject-token': serviceToken as string },
    });
    const body = (await who.json()) as { token: { user: { name: string }; roles: { name: string }[] } };
    assert.equal(body.token.user.name, 'probe');
    assert.ok(body.token.roles.some((r) => r.name === 'service'));
  });
});

test('a service whose needs cannot be reached is refused at start, with the reason', async () => {
  const base = { ...(await import('../../src/platform/config/config.ts')).defaultConfig('/nonexistent') };
  await assert.rejects(
    buildServices(
      { ...base, services: ['image'], serviceUrls: {}, ports: {} },
      silentLogger(),
      ALL_SERVICES.filter((d) => d.name !== 'identity'),
    ),
    /image needs unknown service identity/,
  );
  const consumer: ServiceDefinition<'consumer', 'network'> = {
    name: 'consumer',
    defaultPort: 0,
    catalog: [],
    migrations: [],
    needs: ['network'],
    create: () => ({ register: () => undefined, render: renderKeystoneError }),
  };
  await assert.rejects(
    buildServices(
      {
        ...base,
        services: ['consumer'],
        serviceUrls: { identity: 'http://127.0.0.1:9', network: 'http://127.0.0.1:9' },
      },
      silentLogger(),
      [...ALL_SERVICES, consumer],
    ),
    /cannot start consumer: the network service has no HTTP client yet/,
  );
});
