// Software deployments in the engine, on both storage engines: NO_SIGNAL completes at once, HEAT_SIGNAL
// and CFN_SIGNAL wait for their signal (the CFN one on a pre-signed URL whose signature verifies against
// the key issued for it), a non-zero status fails with stderr, and the plural types deploy per server.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { verifySignatureV2 } from '../../src/orchestration/model/cfn-signature.ts';
import { orchestrationMigrations } from '../../src/orchestration/store/migrations.ts';
import { HeatStore, type StackRow } from '../../src/orchestration/store/stacks.ts';
import { deploymentItems } from '../../src/orchestration/worker/delivered-metadata.ts';
import { Engine } from '../../src/orchestration/worker/engine.ts';
import { PluginRegistry } from '../../src/orchestration/worker/resources/registry.ts';
import { recordSignal } from '../../src/orchestration/worker/signals.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import type { Database } from '../../src/platform/db/types.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import { Leases } from '../../src/platform/work/leases.ts';
import { platformMigrations } from '../../src/platform/work/migrations.ts';
import { forEachEngine } from '../support/engines.ts';
import { CALLER, CREATE_OPTS, input, statuses } from './helpers.ts';

// Every engine a test starts, stopped after it (pass or fail): a deployment waiting for its signal must not
// keep running into the next test or past the suite's database close.
const started: Engine[] = [];

async function setup(db: Database) {
  await migrate(db, 'platform', platformMigrations);
  await migrate(db, 'orchestration', orchestrationMigrations);
  const store = new HeatStore(db);
  const registry = new PluginRegistry();
  const engine = new Engine({
    ctx: { log: silentLogger(), signal: new AbortController().signal },
    db,
    store,
    leases: new Leases(db),
    registry,
    clients: {},
    region: 'RegionOne',
    cfnUrl: () => 'http://127.0.0.1:8000/v1',
  });
  started.push(engine);
  return { store, registry, engine };
}

// biome-ignore lint/suspicious/noExplicitAny: test templates are free-form JSON
const tmpl = (deployment: any, extra: any = {}) => ({
  heat_template_version: '2016-10-14',
  resources: {
    cfg: {
      type: 'OS::Heat::SoftwareConfig',
      properties: { group: 'script', config: 'echo $x', inputs: [{ name: 'x', default: 'dx' }] },
    },
    dep: { ...deployment, properties: { config: { get_resource: 'cfg' }, ...deployment.properties } },
    ...extra,
  },
});

const until = async (what: string, ok: () => Promise<boolean>) => {
  for (let i = 0; i < 4800; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
};

forEachEngine('software deployments', (fresh) => {
  afterEach(async () => {
    for (const engine of started.splice(0)) await engine.stop();
  });

  test('NO_SIGNAL completes at once; the derived config carries the inputs and deploy_* values', async () => {
    const { store, engine } = await setup(await fresh());
    const s = await engine.create(
      CALLER,
      'nosig',
      input(
        tmpl({
          type: 'OS::Heat::SoftwareDeployment',
          properties: { server: 'srv-1', signal_transport: 'NO_SIGNAL', input_values: { y: 2 } },
        }),
      ),
      CREATE_OPTS,
    );
    await engine.idle();
    assert.deepEqual(await statuses(store, s.id), { cfg: 'CREATE_COMPLETE', dep: 'CREATE_COMPLETE' });
    const [item] = await deploymentItems(store, 'srv-1');
    const inputs = Object.fromEntries(
      ((item?.inputs ?? []) as { name: string; value: unknown }[]).map((i) => [i.name, i.value]),
    );
    assert.deepEqual(
      { x: inputs.x, y: inputs.y, action: inputs.deploy_action, transport: inputs.deploy_signal_transport },
      { x: 'dx', y: 2, action: 'CREATE', transport: 'NO_SIGNAL' },
    );
    assert.equal(inputs.deploy_signal_id, undefined);
    assert.equal(inputs.deploy_stack_id, `nosig/${s.id}`);
  });

  test('HEAT_SIGNAL waits for the resource signal and takes its outputs', async () => {
    const { store, registry, engine } = await setup(await fresh());
    const s = await engine.create(
      CALLER,
      'heatsig',
      input(
        tmpl({
          type: 'OS::Heat::SoftwareDeployment',
          properties: { server: 'srv-2', signal_transport: 'HEAT_SIGNAL' },
        }),
      ),
      CREATE_OPTS,
    );
    await until(
      'the deployment to wait',
      async () => (await store.resource(s.id, 'dep'))?.status === 'IN_PROGRESS',
    );
    const stack = (await store.getStack(s.id)) as StackRow;
    await recordSignal(store, registry, stack, (await store.resource(s.id, 'dep'))!, {
      deploy_stdout: 'dx\n',
      deploy_stderr: '',
      deploy_status_code: 0,
    });
    await engine.idle();
    const row = await store.resource(s.id, 'dep');
    assert.equal(`${row?.action}_${row?.status}`, 'CREATE_COMPLETE');
    assert.equal(row?.attributes.deploy_stdout, 'dx\n');
    assert.equal((await store.deployments.get(row?.physicalId as string))?.status, 'COMPLETE');
  });

  test('a signal that lands while the deployment is IN_PROGRESS but not yet delivered is taken', async () => {
    const { store, registry, engine } = await setup(await fresh());
    // Hold the deployment after it went IN_PROGRESS and before it is delivered: on a loaded machine the
    // signal can win that race, and the deployment then waited forever for a second one.
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let held = false;
    const config = store.config;
    store.config = async (id: string) => {
      const c = await config(id);
      if (c?.group === 'script' && !held) {
        held = true;
        await gate;
      }
      return c;
    };
    const s = await engine.create(
      CALLER,
      'early',
      input(
        tmpl({
          type: 'OS::Heat::SoftwareDeployment',
          properties: { server: 'srv-e', signal_transport: 'HEAT_SIGNAL' },
        }),
      ),
      CREATE_OPTS,
    );
    await until('the deployment to be held', async () => held);
    const stack = (await store.getStack(s.id)) as StackRow;
    await recordSignal(store, registry, stack, (await store.resource(s.id, 'dep'))!, {
      deploy_stdout: 'early\n',
      deploy_status_code: 0,
    });
    release();
    try {
      await until('the deployment to take the signal', async () => {
        const row = await store.resource(s.id, 'dep');
        return row?.status !== 'IN_PROGRESS';
      });
    } finally {
      await engine.stop();
    }
    const row = await store.resource(s.id, 'dep');
    assert.equal(`${row?.action}_${row?.status}`, 'CREATE_COMPLETE', row?.statusReason);
    assert.equal(row?.attributes.deploy_stdout, 'early\n');
  });

  test('CFN_SIGNAL: a pre-signed URL that verifies; a non-zero status fails with stderr', async () => {
    const { store, registry, engine } = await setup(await fresh());
    const s = await engine.create(
      CALLER,
      'cfnsig',
      input(tmpl({ type: 'OS::Heat::SoftwareDeployment', properties: { server: 'srv-3' } })),
      CREATE_OPTS,
    );
    await until('the deployment to wait', async () => (await deploymentItems(store, 'srv-3')).length === 1);
    const [item] = await deploymentItems(store, 'srv-3');
    const inputs = Object.fromEntries(
      ((item?.inputs ?? []) as { name: string; value: unknown }[]).map((i) => [i.name, i.value]),
    );
    assert.equal(inputs.deploy_signal_verb, 'POST');
    const url = new URL(String(inputs.deploy_signal_id));
    assert.equal(url.host, '127.0.0.1:8000');
    const params = Object.fromEntries(url.searchParams);
    const key = await store.credentials.get(params.AWSAccessKeyId as string);
    assert.equal(key?.resourceName, 'dep');
    assert.ok(
      verifySignatureV2(key?.secret as string, 'POST', url.host, decodeURIComponent(url.pathname), params),
    );
    assert.ok(
      !verifySignatureV2(key?.secret as string, 'PUT', url.host, decodeURIComponent(url.pathname), params),
    );
    const stack = (await store.getStack(s.id)) as StackRow;
    // A bad status code is refused, nothing recorded.
    await assert.rejects(
      recordSignal(store, registry, stack, (await store.resource(s.id, 'dep'))!, { deploy_status_code: 'x' }),
      /deploy_status_code must be a number/,
    );
    await recordSignal(store, registry, stack, (await store.resource(s.id, 'dep'))!, {
      deploy_stdout: '',
      deploy_stderr: 'x: not found',
      deploy_status_code: 127,
    });
    await engine.idle();
    const done = (await store.getStack(s.id)) as StackRow;
    assert.equal(`${done.action}_${done.status}`, 'CREATE_FAILED');
    assert.match(done.statusReason, /non-zero status code: 127, deploy_stderr : x: not found/);
    // A failed deployment takes no more signals.
    await assert.rejects(
      recordSignal(store, registry, done, (await store.resource(s.id, 'dep'))!, { deploy_status_code: 0 }),
      /Signal resource during CREATE_FAILED is not supported/,
    );
    await engine.delete(CALLER, done);
    await engine.idle();
    assert.equal(
      await store.credentials.get(params.AWSAccessKeyId as string),
      undefined,
      'the key went with it',
    );
    assert.equal((await deploymentItems(store, 'srv-3')).length, 0);
  });

  test('StructuredDeployments: one deployment per server, get_input substituted, outputs by key', async () => {
    const { store, registry, engine } = await setup(await fresh());
    const t = {
      heat_template_version: '2016-10-14',
      resources: {
        cfg: { type: 'OS::Heat::StructuredConfig', properties: { config: { role: { get_input: 'role' } } } },
        deps: {
          type: 'OS::Heat::StructuredDeployments',
          properties: {
            config: { get_resource: 'cfg' },
            servers: { a: 'srv-a', b: 'srv-b' },
            input_values: { role: 'compute' },
            signal_transport: 'HEAT_SIGNAL',
          },
        },
      },
      outputs: { codes: { value: { get_attr: ['deps', 'deploy_status_codes'] } } },
    };
    const s = await engine.create(CALLER, 'group', input(t), CREATE_OPTS);
    await until('both deployments to wait', async () => {
      const kids = await store.childStacks(s.id);
      if (kids.length !== 1) return false;
      const rows = await store.resources((kids[0] as StackRow).id);
      return rows.length === 2 && rows.every((r) => r.status === 'IN_PROGRESS');
    });
    const child = (await store.childStacks(s.id))[0] as StackRow;
    for (const [name, code] of [
      ['a', 0],
      ['b', 0],
    ] as const)
      await recordSignal(store, registry, child, (await store.resource(child.id, name))!, {
        deploy_status_code: code,
      });
    await engine.idle();
    const st = (await store.getStack(s.id)) as StackRow;
    assert.equal(`${st.action}_${st.status}`, 'CREATE_COMPLETE', st.statusReason);
    assert.deepEqual((await engine.outputs(st))[0]?.output_value, { a: 0, b: 0 });
    const [item] = await deploymentItems(store, 'srv-b');
    assert.deepEqual(item?.config, { role: 'compute' });
  });

  test('StructuredDeployment of a script config: the script goes to the server as it is', async () => {
    const { store, engine } = await setup(await fresh());
    const s = await engine.create(
      CALLER,
      'structured-script',
      input(
        tmpl({
          type: 'OS::Heat::StructuredDeployment',
          properties: { server: 'srv-s', signal_transport: 'NO_SIGNAL', input_values: { x: 'v' } },
        }),
      ),
      CREATE_OPTS,
    );
    await engine.idle();
    assert.deepEqual(await statuses(store, s.id), { cfg: 'CREATE_COMPLETE', dep: 'CREATE_COMPLETE' });
    const [item] = await deploymentItems(store, 'srv-s');
    assert.equal(item?.config, 'echo $x');
  });
});
