// In-process API tests: microversion headers and negotiation, Ironic's error body, paging, policy by owner
// and lessee, secrets sealed at rest, locking (two clients on one node), wait timeouts and takeover of
// nodes a dead conductor left behind.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { baremetalService } from '../../src/baremetal/index.ts';
import type { Conductor } from '../../src/baremetal/worker/conductor.ts';
import { secretKeyDir } from '../../src/platform/crypto/secret-keys.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import { startServiceApp, type TestServiceApp } from '../support/service-app.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON replies freely
type J = any;

const V = { 'x-openstack-ironic-api-version': '1.78' };

async function call(
  svc: TestServiceApp,
  token: string,
  method: string,
  url: string,
  payload?: unknown,
  headers: Record<string, string> = V,
) {
  const res = await svc.app.inject({
    method: method as 'GET',
    url,
    headers: { ...svc.as(token), ...headers },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return {
    status: res.statusCode,
    headers: res.headers,
    body: res.body ? (JSON.parse(res.body) as J) : undefined,
  };
}

const quiet = { log: silentLogger(), signal: new AbortController().signal };
const fault = (body: J) => JSON.parse(body.error_message).faultstring as string;

describe('bare metal API', () => {
  let svc: TestServiceApp;
  let conductor: Conductor;
  before(async () => {
    svc = await startServiceApp(baremetalService, {
      settings: {
        periodicIntervalMs: 3_600_000,
        powerSyncIntervalMs: 3_600_000,
        leaseTtlMs: 30_000,
        waitTimeouts: { 'wait call-back': 1 },
      },
    });
    conductor = (svc.running.client as { conductor: Conductor }).conductor;
  });
  after(() => svc?.close());

  test('discovery, version headers on every response, 406 out of range, 1.1 without a header', async () => {
    const root = await call(svc, 'none', 'GET', '/', undefined, {});
    assert.equal(root.status, 200);
    assert.equal(root.body.default_version.version, '1.78');
    assert.equal(root.headers['x-openstack-ironic-api-maximum-version'], '1.78');
    const v1 = await call(svc, 'none', 'GET', '/v1', undefined, {});
    assert.equal(v1.headers['x-openstack-ironic-api-minimum-version'], '1.1');
    assert.equal(v1.headers['x-openstack-ironic-api-version'], '1.1');

    const tooNew = await call(svc, 'admin', 'GET', '/v1/nodes', undefined, {
      'x-openstack-ironic-api-version': '1.99',
    });
    assert.equal(tooNew.status, 406);
    assert.equal(tooNew.headers['x-openstack-ironic-api-maximum-version'], '1.78');
    assert.match(fault(tooNew.body), /\[1\.1, 1\.78\]/);

    const missing = await call(svc, 'admin', 'GET', '/v1/nodes/no-such-node');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['x-openstack-ironic-api-version'], '1.78');
    assert.deepEqual(JSON.parse(missing.body.error_message), {
      faultstring: 'Node no-such-node could not be found.',
      faultcode: 'Client',
      debuginfo: null,
    });
    const unauth = await call(svc, 'bogus', 'GET', '/v1/nodes');
    assert.equal(unauth.status, 401);
    assert.equal(unauth.headers['x-openstack-ironic-api-minimum-version'], '1.1');

    // 1.1: the node starts available (shown as null then), and names are refused with 406.
    const old = await call(svc, 'admin', 'POST', '/v1/nodes', { driver: 'fake-hardware' }, {});
    assert.equal(old.status, 201);
    assert.equal(old.body.provision_state, null);
    assert.equal(old.body.name, undefined);
    const named = await call(svc, 'admin', 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'x' }, {});
    assert.equal(named.status, 406);
    const now = await call(svc, 'admin', 'GET', `/v1/nodes/${old.body.uuid}`);
    assert.equal(now.body.provision_state, 'available');
    assert.equal((await call(svc, 'admin', 'DELETE', `/v1/nodes/${old.body.uuid}`)).status, 204);
  });

  test('paging: limit, marker, sort and a next link only while more remain', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await call(svc, 'admin', 'POST', '/v1/nodes', {
        driver: 'fake-hardware',
        name: `page-${i}`,
        resource_class: 'paged',
      });
      made.push(r.body.uuid);
    }
    const first = await call(
      svc,
      'admin',
      'GET',
      '/v1/nodes?resource_class=paged&limit=2&sort_key=name&sort_dir=desc',
    );
    assert.deepEqual(
      first.body.nodes.map((n: J) => n.name),
      ['page-4', 'page-3'],
    );
    const next = new URL(first.body.next);
    const second = await call(svc, 'admin', 'GET', `${next.pathname}${next.search}`);
    assert.deepEqual(
      second.body.nodes.map((n: J) => n.name),
      ['page-2', 'page-1'],
    );
    const third = await call(
      svc,
      'admin',
      'GET',
      `/v1/nodes?resource_class=paged&limit=2&sort_key=name&sort_dir=desc&marker=${second.body.nodes[1].uuid}`,
    );
    assert.deepEqual(
      third.body.nodes.map((n: J) => n.name),
      ['page-0'],
    );
    assert.equal(third.body.next, undefined);
    const badSort = await call(svc, 'admin', 'GET', '/v1/nodes?sort_key=driver_info');
    assert.equal(badSort.status, 400);
    const detail = await call(svc, 'admin', 'GET', '/v1/nodes?resource_class=paged&detail=True');
    assert.equal(detail.body.nodes[0].driver, 'fake-hardware');
    for (const u of made) await call(svc, 'admin', 'DELETE', `/v1/nodes/${u}`);
  });

  test('secrets are sealed at rest and masked; a read-only patch changes nothing', async () => {
    const r = await call(svc, 'admin', 'POST', '/v1/nodes', {
      driver: 'fake-hardware',
      name: 'secretive',
      driver_info: { ipmi_password: 'hunter2-secret', redfish_password: 'rf-secret', ipmi_username: 'root' },
    });
    assert.equal(r.body.driver_info.ipmi_password, '******');
    assert.equal(r.body.driver_info.redfish_password, '******');
    assert.equal(r.body.driver_info.ipmi_username, 'root');
    const raw = await svc.db.all<Record<string, unknown>>('SELECT * FROM bm_nodes');
    const dump = JSON.stringify(raw);
    assert.ok(!dump.includes('hunter2-secret') && !dump.includes('rf-secret'), 'no secret in the database');
    assert.ok(!dump.includes('ipmi_username'), 'driver_info as a whole is sealed');

    const ro = await call(svc, 'admin', 'PATCH', '/v1/nodes/secretive', [
      { op: 'add', path: '/extra/x', value: 1 },
      { op: 'replace', path: '/provision_state', value: 'active' },
    ]);
    assert.equal(ro.status, 400);
    assert.match(fault(ro.body), /internal attribute/);
    const after = await call(svc, 'admin', 'GET', '/v1/nodes/secretive');
    assert.deepEqual(after.body.extra, {});
    assert.equal(after.body.provision_state, 'enroll');
    assert.equal((await call(svc, 'admin', 'DELETE', '/v1/nodes/secretive')).status, 204);
  });

  test('policy: owner sees and acts, lessee deploys only, other projects get 404', async () => {
    const r = await call(svc, 'admin', 'POST', '/v1/nodes', {
      driver: 'fake-hardware',
      name: 'owned',
      owner: 'project-a',
      lessee: 'project-b',
    });
    const uuid = r.body.uuid;
    assert.equal((await call(svc, 'member', 'GET', '/v1/nodes/owned')).status, 200);
    assert.equal((await call(svc, 'other', 'GET', '/v1/nodes/owned')).status, 200, 'lessee sees it');
    svc.tokens.add('stranger', { projectId: 'project-c', roles: ['member'] });
    assert.equal((await call(svc, 'stranger', 'GET', '/v1/nodes/owned')).status, 404);
    assert.deepEqual((await call(svc, 'stranger', 'GET', '/v1/nodes')).body.nodes, []);
    assert.deepEqual(
      (await call(svc, 'member', 'GET', '/v1/nodes')).body.nodes.map((n: J) => n.uuid),
      [uuid],
    );
    assert.equal((await call(svc, 'member', 'POST', '/v1/nodes', { driver: 'fake-hardware' })).status, 403);
    assert.equal(
      (await call(svc, 'other', 'PUT', `/v1/nodes/${uuid}/states/provision`, { target: 'manage' })).status,
      403,
    );
    assert.equal(
      (await call(svc, 'member', 'PUT', `/v1/nodes/${uuid}/states/provision`, { target: 'manage' })).status,
      202,
    );
    await conductor.idle();
    assert.equal((await call(svc, 'reader', 'GET', `/v1/nodes/${uuid}`)).body.provision_state, 'manageable');
    assert.equal(
      (await call(svc, 'reader', 'PUT', `/v1/nodes/${uuid}/states/provision`, { target: 'provide' })).status,
      403,
    );
    assert.equal((await call(svc, 'member', 'DELETE', `/v1/nodes/${uuid}`)).status, 403);
    assert.equal((await call(svc, 'admin', 'DELETE', `/v1/nodes/${uuid}`)).status, 204);
  });

  test('two clients act on one node at once: one wins, the other gets 409 or 400, one transition', async () => {
    const r = await call(svc, 'admin', 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'raced' });
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () =>
        call(svc, 'admin', 'PUT', '/v1/nodes/raced/states/provision', { target: 'manage' }),
      ),
    );
    const codes = outcomes.map((o) => o.status);
    assert.equal(codes.filter((c) => c === 202).length, 1, `codes ${codes}`);
    for (const o of outcomes.filter((x) => x.status !== 202)) {
      assert.ok(o.status === 409 || o.status === 400, `status ${o.status}`);
      const type = o.status === 409 ? /locked by host/ : /can not be performed/;
      assert.match(fault(o.body), type);
    }
    await conductor.idle();
    const history = await call(svc, 'admin', 'GET', '/v1/nodes/raced/history');
    const moves = history.body.history.map((h: J) => h.event).filter((e: string) => e.includes('(manage)'));
    assert.deepEqual(moves, ['enroll -> verifying (manage)'], 'exactly one transition');
    assert.equal((await call(svc, 'admin', 'GET', '/v1/nodes/raced')).body.provision_state, 'manageable');
    assert.equal((await call(svc, 'admin', 'DELETE', `/v1/nodes/${r.body.uuid}`)).status, 204);
  });

  test('a wait that times out fails the node; a node a dead conductor left deploying is taken over', async () => {
    const r = await call(svc, 'admin', 'POST', '/v1/nodes', {
      driver: 'fake-hardware',
      name: 'waiter',
      driver_info: { fake_wait: 'deploy' },
    });
    for (const target of ['manage', 'provide', 'active']) {
      assert.equal(
        (await call(svc, 'admin', 'PUT', '/v1/nodes/waiter/states/provision', { target })).status,
        202,
      );
      await conductor.idle();
    }
    let n = (await call(svc, 'admin', 'GET', '/v1/nodes/waiter')).body;
    assert.equal(n.provision_state, 'wait call-back');
    assert.equal(n.reservation, null, 'nobody holds a waiting node');
    // Backdate the wait past its 1 s timeout instead of sleeping.
    await svc.db.run('UPDATE bm_nodes SET provision_updated_at = ? WHERE uuid = ?', [
      Date.now() - 5_000,
      r.body.uuid,
    ]);
    const doc = JSON.parse(
      (await svc.db.get<{ doc: string }>('SELECT doc FROM bm_nodes WHERE uuid = ?', [r.body.uuid]))!.doc,
    );
    doc.provision_updated_at = new Date(Date.now() - 5_000).toISOString();
    await svc.db.run('UPDATE bm_nodes SET doc = ? WHERE uuid = ?', [JSON.stringify(doc), r.body.uuid]);
    await conductor.periodic(quiet);
    n = (await call(svc, 'admin', 'GET', '/v1/nodes/waiter')).body;
    assert.equal(n.provision_state, 'deploy failed');
    assert.match(n.last_error, /Timeout reached while waiting for callback/);

    // A conductor that died mid-deploy: the node is `deploying`, reserved, and its lease expired.
    const dead = JSON.parse(
      (await svc.db.get<{ doc: string }>('SELECT doc FROM bm_nodes WHERE uuid = ?', [r.body.uuid]))!.doc,
    );
    dead.provision_state = 'deploying';
    dead.target_provision_state = 'active';
    dead.reservation = 'dead-host';
    await svc.db.run(
      "UPDATE bm_nodes SET provision_state = 'deploying', reservation = 'dead-host', doc = ? WHERE uuid = ?",
      [JSON.stringify(dead), r.body.uuid],
    );
    await svc.db.run(
      "UPDATE leases SET owner = 'dead-host/x', purpose = 'deploy', expires_at = 1 WHERE resource = ?",
      [`baremetal:node:${r.body.uuid}`],
    );
    await conductor.periodic(quiet);
    n = (await call(svc, 'admin', 'GET', '/v1/nodes/waiter')).body;
    assert.equal(n.provision_state, 'deploy failed');
    assert.equal(n.reservation, null);
    assert.match(n.last_error, /conductor dead-host stopped while the node was deploying/);
  });

  test('agent lookup by MAC hands the token out once; heartbeats need it; wrong state or node is 404', async () => {
    const r = await call(svc, 'admin', 'POST', '/v1/nodes', {
      driver: 'fake-hardware',
      name: 'agented',
      driver_info: { fake_wait: 'deploy' },
    });
    await call(svc, 'admin', 'POST', '/v1/ports', { address: '52:54:00:12:34:56', node_uuid: r.body.uuid });
    const agent = { 'x-openstack-ironic-api-version': '1.68' };
    const lookup = (q: string) => call(svc, 'none', 'GET', `/v1/lookup?${q}`, undefined, agent);
    assert.equal((await lookup('addresses=52:54:00:12:34:56')).status, 404, 'enroll is not a lookup state');
    for (const target of ['manage', 'provide', 'active']) {
      await call(svc, 'admin', 'PUT', '/v1/nodes/agented/states/provision', { target });
      await conductor.idle();
    }
    const first = await lookup('addresses=aa:bb,52:54:00:12:34:56');
    assert.equal(first.status, 200);
    assert.equal(first.body.node.uuid, r.body.uuid);
    const token = first.body.config.agent_token as string;
    assert.ok(token.length >= 32 && token !== '******');
    assert.equal(first.body.node.driver_internal_info.agent_secret_token, '******');
    assert.equal(
      (await lookup('addresses=52:54:00:12:34:56')).body.config.agent_token,
      '******',
      'handed out once',
    );
    assert.equal(
      (
        await call(svc, 'none', 'GET', '/v1/lookup?addresses=52:54:00:12:34:56', undefined, {
          'x-openstack-ironic-api-version': '1.21',
        })
      ).status,
      404,
    );
    assert.equal((await lookup('addresses=52:54:00:ff:ff:ff')).status, 404);

    const beat = (ident: string, body: object) =>
      call(svc, 'none', 'POST', `/v1/heartbeat/${ident}`, body, agent);
    const good = { callback_url: 'http://192.0.2.5:9999', agent_version: '9.0.0', agent_token: token };
    const wrong = await beat(r.body.uuid, { ...good, agent_token: 'x'.repeat(43) });
    assert.equal(wrong.status, 400);
    assert.match(fault(wrong.body), /Invalid or missing agent token/);
    assert.equal(
      (await beat(r.body.uuid, { callback_url: good.callback_url, agent_token: token })).status,
      400,
      'no agent_version',
    );
    assert.equal((await beat('00000000-0000-4000-8000-00000000dead', good)).status, 404);
    const ok = await beat(r.body.uuid, good);
    assert.equal(ok.status, 202);
    assert.equal(ok.body, undefined);
    await conductor.idle();
    const n = (await call(svc, 'admin', 'GET', '/v1/nodes/agented')).body;
    assert.equal(n.driver_internal_info.agent_url, 'http://192.0.2.5:9999');
    assert.equal(n.provision_state, 'wait call-back', 'a recorded heartbeat does not move the node');
    assert.equal(
      (await beat(r.body.uuid, { ...good, callback_url: 'http://192.0.2.6:9999' })).status,
      400,
      'changed URL',
    );
    // Aborting and powering off wipes the token: the next agent boot looks up afresh.
    assert.equal(
      (await call(svc, 'admin', 'PUT', '/v1/nodes/agented/states/provision', { target: 'abort' })).status,
      202,
    );
    await conductor.idle();
    assert.equal(
      (await call(svc, 'admin', 'PUT', '/v1/nodes/agented/states/power', { target: 'power off' })).status,
      202,
    );
    await conductor.idle();
    const after = (await call(svc, 'admin', 'GET', '/v1/nodes/agented')).body;
    assert.equal(after.driver_internal_info.agent_secret_token, undefined);
  });

  test('power sync: a BMC that stops answering puts the node in maintenance with a fault, cleared when it answers', async () => {
    await call(svc, 'admin', 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'flaky' });
    await call(svc, 'admin', 'PUT', '/v1/nodes/flaky/states/provision', { target: 'manage' });
    await conductor.idle();
    await call(svc, 'admin', 'PATCH', '/v1/nodes/flaky', [
      { op: 'add', path: '/driver_info/fake_fail', value: 'power' },
    ]);
    await conductor.idle();
    // Each round's task ends (and frees the node) before the next round, as the period guarantees in service.
    const round = async () => {
      await conductor.syncPower(quiet);
      await conductor.idle();
    };
    for (let i = 0; i < 2; i++) await round();
    assert.equal(
      (await call(svc, 'admin', 'GET', '/v1/nodes/flaky')).body.maintenance,
      false,
      'two failures are tolerated',
    );
    await round();
    let n = (await call(svc, 'admin', 'GET', '/v1/nodes/flaky')).body;
    assert.equal(n.maintenance, true);
    assert.equal(n.fault, 'power failure');
    assert.match(n.maintenance_reason, /3 attempts to read the power state failed/);
    await call(svc, 'admin', 'PATCH', '/v1/nodes/flaky', [{ op: 'remove', path: '/driver_info/fake_fail' }]);
    await conductor.idle();
    await round();
    n = (await call(svc, 'admin', 'GET', '/v1/nodes/flaky')).body;
    assert.equal(n.maintenance, false);
    assert.equal(n.fault, null);
    const history = (await call(svc, 'admin', 'GET', '/v1/nodes/flaky/history')).body.history.map(
      (h: J) => h.event,
    );
    assert.ok(history.some((e: string) => e.startsWith('maintenance: maintenance')));
    assert.ok(history.some((e: string) => e.startsWith('maintenance: in service')));
  });

  test('adopt, rescue and unrescue run through their states; the secret key file is owner-only', async () => {
    await call(svc, 'admin', 'POST', '/v1/nodes', {
      driver: 'fake-hardware',
      name: 'adoptee',
      rescue_interface: 'fake',
    });
    const move = async (target: string) => {
      const r = await call(svc, 'admin', 'PUT', '/v1/nodes/adoptee/states/provision', { target });
      assert.equal(r.status, 202, `${target}: ${JSON.stringify(r.body)}`);
      await conductor.idle();
      return (await call(svc, 'admin', 'GET', '/v1/nodes/adoptee')).body;
    };
    assert.equal((await move('manage')).provision_state, 'manageable');
    const adopted = await move('adopt');
    assert.equal(adopted.provision_state, 'active');
    assert.equal(adopted.target_provision_state, null);
    assert.equal((await move('rescue')).provision_state, 'rescue');
    assert.equal((await move('unrescue')).provision_state, 'active');
    const old = await call(
      svc,
      'admin',
      'PUT',
      '/v1/nodes/adoptee/states/provision',
      { target: 'rescue' },
      {
        'x-openstack-ironic-api-version': '1.37',
      },
    );
    assert.equal(old.status, 406, 'rescue needs 1.38');
    assert.equal(statSync(`${secretKeyDir(svc.stateDir)}/1`).mode & 0o777, 0o600);
  });
  test('PATCH: one dialect for nodes, ports, port groups and chassis (nested paths, missing keys, schema)', async () => {
    const node = (
      await call(svc, 'admin', 'POST', '/v1/nodes', { driver: 'fake-hardware', extra: { a: {} } })
    ).body;
    const port = (
      await call(svc, 'admin', 'POST', '/v1/ports', {
        address: '52:54:00:77:00:01',
        node_uuid: node.uuid,
        extra: { a: {} },
      })
    ).body;
    const pg = (
      await call(svc, 'admin', 'POST', '/v1/portgroups', {
        node_uuid: node.uuid,
        name: 'pg77',
        extra: { a: {} },
      })
    ).body;
    const ch = (await call(svc, 'admin', 'POST', '/v1/chassis', { extra: { a: {} } })).body;
    const urls = [
      `/v1/nodes/${node.uuid}`,
      `/v1/ports/${port.uuid}`,
      `/v1/portgroups/${pg.uuid}`,
      `/v1/chassis/${ch.uuid}`,
    ];
    for (const url of urls) {
      const nested = await call(svc, 'admin', 'PATCH', url, [{ op: 'add', path: '/extra/a/b', value: 1 }]);
      assert.equal(nested.status, 200, url);
      assert.deepEqual(nested.body.extra, { a: { b: 1 } }, `${url}: a nested path is a path, not a flat key`);
      const refusals: [unknown[], RegExp][] = [
        [
          [{ op: 'remove', path: '/extra/zz' }],
          /^Couldn't apply patch .* Reason: can't remove a non-existent object 'zz'$/,
        ],
        [[{ op: 'replace', path: '/extra/zz', value: 1 }], /can't replace a non-existent object 'zz'/],
        [[{ op: 'add', path: '/extra/q/r', value: 1 }], /member 'q' not found/],
        [[{ op: 'add', path: '/colour', value: 1 }], /Adding a new attribute \(\/colour\) to the root/],
        [[{ op: 'add', path: '/extra/a~1b', value: 1 }], /Schema error for patch/],
        [[{ op: 'replace', path: '/', value: {} }], /Schema error for patch/],
        [
          [{ op: 'replace', path: '/uuid', value: node.uuid }],
          /'\/uuid' is an internal attribute and can not be updated/,
        ],
      ];
      for (const [ops, want] of refusals) {
        const r = await call(svc, 'admin', 'PATCH', url, ops);
        assert.equal(r.status, 400, `${url} ${JSON.stringify(ops)}`);
        assert.match(fault(r.body), want, url);
      }
      const after = await call(svc, 'admin', 'GET', url);
      assert.deepEqual(after.body.extra, { a: { b: 1 } }, `${url}: refused patches change nothing`);
    }
    for (const url of urls.reverse())
      assert.equal((await call(svc, 'admin', 'DELETE', url)).status, 204, url);
  });
});
