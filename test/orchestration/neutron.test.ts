// OS::Neutron::Port through the network service's client: created on a network named in the template,
// renamed in place by an update, deleted with the stack; absent when the seed runs no network service.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestSeed, type TestSeed } from '../support/seed.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely
type Json = any;

describe('OS::Neutron::Port', () => {
  let seed: TestSeed;
  let token: string;
  let heat: string;
  const call = async (url: string, method = 'GET', body?: unknown) => {
    const r = await fetch(url, {
      method,
      headers: { 'x-auth-token': token, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await r.text();
    return { status: r.status, json: (text ? JSON.parse(text) : {}) as Record<string, Json> };
  };
  const waitStack = async (name: string) => {
    for (let i = 0; i < 300; i++) {
      const r = await call(`${heat}/stacks/${name}`);
      if (r.status === 404) return undefined;
      if (!String(r.json.stack.stack_status).endsWith('IN_PROGRESS'))
        return r.json.stack as {
          id: string;
          stack_status: string;
          stack_status_reason: string;
          outputs: { output_key: string; output_value: Json }[];
        };
      await new Promise((res) => setTimeout(res, 20));
    }
    throw new Error('stack did not settle');
  };

  before(async () => {
    seed = await startTestSeed({ services: ['identity', 'network', 'orchestration'] });
    token = await seed.tokenFor('admin', seed.adminPassword, 'admin');
    const info = (await (
      await fetch(`${seed.authUrl}/auth/tokens`, {
        headers: { 'x-auth-token': token, 'x-subject-token': token },
      })
    ).json()) as { token: { project: { id: string } } };
    heat = `${seed.urls.orchestration}/v1/${info.token.project.id}`;
  });
  after(async () => seed?.stop());

  test('create on a named network, update in place, delete with the stack', async () => {
    const net = await call(`${seed.urls.network}/v2.0/networks`, 'POST', { network: { name: 'ctl' } });
    assert.equal(net.status, 201);
    const sub = await call(`${seed.urls.network}/v2.0/subnets`, 'POST', {
      subnet: { network_id: net.json.network.id, cidr: '192.0.2.0/24', ip_version: 4, enable_dhcp: false },
    });
    assert.equal(sub.status, 201);
    const template = (name: string) => ({
      heat_template_version: '2018-08-31',
      resources: {
        port: {
          type: 'OS::Neutron::Port',
          properties: { network: 'ctl', name, fixed_ips: [{ ip_address: '192.0.2.50' }] },
        },
      },
      outputs: {
        ip: { value: { get_attr: ['port', 'fixed_ips', 0, 'ip_address'] } },
        id: { value: { get_resource: 'port' } },
      },
    });
    assert.equal(
      (await call(`${heat}/stacks`, 'POST', { stack_name: 'ports', template: template('p1') })).status,
      201,
    );
    const s = await waitStack('ports');
    assert.equal(s?.stack_status, 'CREATE_COMPLETE', s?.stack_status_reason);
    const out = Object.fromEntries((s?.outputs ?? []).map((o) => [o.output_key, o.output_value]));
    assert.equal(out.ip, '192.0.2.50');
    const port = await call(`${seed.urls.network}/v2.0/ports/${out.id}`);
    assert.equal(port.json.port.name, 'p1');
    assert.equal(port.json.port.network_id, net.json.network.id);

    assert.equal(
      (await call(`${heat}/stacks/ports/${s?.id}`, 'PUT', { template: template('p2') })).status,
      202,
    );
    const u = await waitStack('ports');
    assert.equal(u?.stack_status, 'UPDATE_COMPLETE', u?.stack_status_reason);
    const renamed = await call(`${seed.urls.network}/v2.0/ports/${out.id}`);
    assert.equal(renamed.json.port.name, 'p2', 'same port, renamed in place');

    assert.equal((await call(`${heat}/stacks/ports/${s?.id}`, 'DELETE')).status, 204);
    const gone = await waitStack('ports');
    assert.ok(gone === undefined || gone.stack_status === 'DELETE_COMPLETE', gone?.stack_status);
    assert.equal((await call(`${seed.urls.network}/v2.0/ports/${out.id}`)).status, 404);
  });

  test('an unknown network fails the resource with the reason', async () => {
    const t = {
      heat_template_version: '2018-08-31',
      resources: { port: { type: 'OS::Neutron::Port', properties: { network: 'nowhere' } } },
    };
    assert.equal((await call(`${heat}/stacks`, 'POST', { stack_name: 'lost', template: t })).status, 201);
    const s = await waitStack('lost');
    assert.equal(s?.stack_status, 'CREATE_FAILED');
    assert.match(s?.stack_status_reason ?? '', /resources\.port: The network \(nowhere\) could not be found/);
  });
});
