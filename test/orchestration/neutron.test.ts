// OS::Neutron::Port through the network service's client: created on a network named in the template,
// renamed in place by an update, deleted with the stack; absent when the seed runs no network service.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { jsonCall } from '../support/heat-api.ts';
import { startTestSeed, type TestSeed } from '../support/seed.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely
type Json = any;

describe('OS::Neutron::Port', () => {
  let seed: TestSeed;
  let token: string;
  let heat: string;
  const call = (url: string, method = 'GET', body?: unknown) => jsonCall(token, url, method, body);

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
  const projectOf = async () => heat.split('/').pop();

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

  test('OS::Neutron::Net and Subnet: create, update in place (pools, gateway removed), replace, delete', async () => {
    const template = (subnet: Record<string, unknown>, netName = 'tnet') => ({
      heat_template_version: '2015-04-30',
      resources: {
        net: { type: 'OS::Neutron::Net', properties: { name: netName, value_specs: { mtu: 1400 } } },
        subnet: {
          type: 'OS::Neutron::Subnet',
          properties: { network: { get_resource: 'net' }, enable_dhcp: false, ...subnet },
        },
      },
      outputs: {
        net: { value: { get_resource: 'net' } },
        subnet: { value: { get_resource: 'subnet' } },
        mtu: { value: { get_attr: ['net', 'mtu'] } },
        pools: { value: { get_attr: ['subnet', 'allocation_pools'] } },
        gateway: { value: { get_attr: ['subnet', 'gateway_ip'] } },
      },
    });
    const outputs = (st: { outputs: { output_key: string; output_value: Json }[] } | undefined) =>
      Object.fromEntries((st?.outputs ?? []).map((o) => [o.output_key, o.output_value]));
    const first = template({
      cidr: '11.11.11.0/24',
      gateway_ip: '11.11.11.5',
      allocation_pools: [{ start: '11.11.11.10', end: '11.11.11.250' }],
    });
    assert.equal((await call(`${heat}/stacks`, 'POST', { stack_name: 'nets', template: first })).status, 201);
    const s = await waitStack('nets');
    assert.equal(s?.stack_status, 'CREATE_COMPLETE', s?.stack_status_reason);
    const out = outputs(s);
    assert.equal(out.mtu, 1400);
    assert.equal(out.gateway, '11.11.11.5');
    assert.deepEqual(out.pools, [{ start: '11.11.11.10', end: '11.11.11.250' }]);
    const net = await call(`${seed.urls.network}/v2.0/networks/${out.net}`);
    assert.equal(net.json.network.name, 'tnet');
    assert.equal(net.json.network.project_id, await projectOf());
    const sub = await call(`${seed.urls.network}/v2.0/subnets/${out.subnet}`);
    assert.equal(sub.json.subnet.network_id, out.net);
    assert.equal(sub.json.subnet.cidr, '11.11.11.0/24');

    // Smaller pool, gateway left out of the template, network renamed: all in place.
    const second = template(
      { cidr: '11.11.11.0/24', allocation_pools: [{ start: '11.11.11.10', end: '11.11.11.100' }] },
      'tnet2',
    );
    assert.equal((await call(`${heat}/stacks/nets/${s?.id}`, 'PUT', { template: second })).status, 202);
    const u = await waitStack('nets');
    assert.equal(u?.stack_status, 'UPDATE_COMPLETE', u?.stack_status_reason);
    const out2 = outputs(u);
    assert.equal(out2.subnet, out.subnet, 'the same subnet');
    assert.equal(out2.net, out.net, 'the same network');
    assert.equal(out2.gateway, null);
    assert.deepEqual(out2.pools, [{ start: '11.11.11.10', end: '11.11.11.100' }]);
    assert.equal((await call(`${seed.urls.network}/v2.0/networks/${out.net}`)).json.network.name, 'tnet2');

    // Another CIDR cannot change in place: a new subnet replaces the old one.
    const third = template({ cidr: '11.11.12.0/24' }, 'tnet2');
    assert.equal((await call(`${heat}/stacks/nets/${s?.id}`, 'PUT', { template: third })).status, 202);
    const r = await waitStack('nets');
    assert.equal(r?.stack_status, 'UPDATE_COMPLETE', r?.stack_status_reason);
    const out3 = outputs(r);
    assert.notEqual(out3.subnet, out.subnet);
    assert.equal(out3.gateway, '11.11.12.1');
    assert.equal((await call(`${seed.urls.network}/v2.0/subnets/${out.subnet}`)).status, 404);

    assert.equal((await call(`${heat}/stacks/nets/${s?.id}`, 'DELETE')).status, 204);
    const gone = await waitStack('nets');
    assert.ok(gone === undefined || gone.stack_status === 'DELETE_COMPLETE', gone?.stack_status);
    assert.equal((await call(`${seed.urls.network}/v2.0/networks/${out.net}`)).status, 404);
    assert.equal((await call(`${seed.urls.network}/v2.0/subnets/${out3.subnet}`)).status, 404);
  });

  test('a shared network is refused (admin-only in Neutron), an unknown value_specs key by name', async () => {
    for (const [name, props, why] of [
      ['shared', { shared: true }, /\(rule:create_network:shared\) is disallowed by policy/],
      ['specs', { value_specs: { 'router:external': true } }, /value_specs router:external not supported/],
    ] as const) {
      const t = {
        heat_template_version: '2018-08-31',
        resources: { net: { type: 'OS::Neutron::Net', properties: props } },
      };
      assert.equal((await call(`${heat}/stacks`, 'POST', { stack_name: name, template: t })).status, 201);
      const s = await waitStack(name);
      assert.equal(s?.stack_status, 'CREATE_FAILED');
      assert.match(s?.stack_status_reason ?? '', why);
    }
    const nets = await call(`${seed.urls.network}/v2.0/networks?shared=true`);
    assert.deepEqual(nets.json.networks, []);
  });

  test("custom constraints neutron.network and neutron.subnet: what the caller's project can use", async () => {
    const net = await call(`${seed.urls.network}/v2.0/networks`, 'POST', { network: { name: 'cnet' } });
    const sub = await call(`${seed.urls.network}/v2.0/subnets`, 'POST', {
      subnet: { network_id: net.json.network.id, name: 'csub', cidr: '10.9.0.0/24', enable_dhcp: false },
    });
    assert.equal(sub.status, 201);
    const template = {
      heat_template_version: '2018-08-31',
      parameters: {
        net: { type: 'string', constraints: [{ custom_constraint: 'neutron.network' }] },
        sub: { type: 'string', default: 'csub', constraints: [{ custom_constraint: 'neutron.subnet' }] },
      },
      resources: { v: { type: 'OS::Heat::Value', properties: { value: { get_param: 'net' } } } },
    };
    const create = (url: string, tok: string, name: string, parameters: Record<string, string>) =>
      fetch(`${url}/stacks`, {
        method: 'POST',
        headers: { 'x-auth-token': tok, 'content-type': 'application/json' },
        body: JSON.stringify({ stack_name: name, template, parameters }),
      }).then(async (r) => ({ status: r.status, json: (await r.json()) as Json }));
    assert.equal((await create(heat, token, 'c1', { net: 'cnet' })).status, 201);
    assert.equal((await create(heat, token, 'c2', { net: net.json.network.id })).status, 201);
    const missing = await create(heat, token, 'c3', { net: 'nope' });
    assert.equal(missing.status, 400);
    assert.match(
      missing.json.error.message,
      /Parameter 'net' is invalid: The network \(nope\) could not be found/,
    );
    const badSub = await create(heat, token, 'c4', { net: 'cnet', sub: 'nosub' });
    assert.match(
      badSub.json.error.message,
      /Parameter 'sub' is invalid: The subnet \(nosub\) could not be found/,
    );
    // Another project's private network does not exist for a member of this one.
    const m = await seed.addUser('net-member');
    const mheat = `${seed.urls.orchestration}/v1/${m.projectId}`;
    const hidden = await create(mheat, m.token, 'c5', { net: 'cnet' });
    assert.equal(hidden.status, 400);
    assert.match(hidden.json.error.message, /The network \(cnet\) could not be found/);
    for (const n of ['c1', 'c2']) await call(`${heat}/stacks/${n}`, 'DELETE');
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
