// The engine on both storage engines: parallel create along the graph, update by diff, delete in
// reverse with deletion policies, failure with and without rollback, cancel, nested stacks and groups.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { openSecretBox } from '../../src/platform/crypto/secret-keys.ts';
import { forEachEngine } from '../support/engines.ts';
import { CALLER, CREATE_OPTS, createAndWait, engineOn, input, statuses, stopEngines } from './helpers.ts';

// biome-ignore lint/suspicious/noExplicitAny: test templates are free-form JSON
const hot = (resources: any, extra: any = {}): any => ({
  heat_template_version: '2018-08-31',
  resources,
  ...extra,
});

forEachEngine('orchestration engine', (fresh) => {
  afterEach(stopEngines);

  test('create runs independent resources in parallel, dependents after; events per change', async () => {
    const { engine, store } = await engineOn(await fresh());
    const t = hot(
      {
        a: { type: 'OS::Heat::TestResource', properties: { value: 'A', wait_secs: 0.2 } },
        b: { type: 'OS::Heat::TestResource', properties: { value: 'B', wait_secs: 0.2 } },
        c: {
          type: 'OS::Heat::Value',
          properties: { value: { list_join: ['+', [{ get_attr: ['a', 'output'] }, { get_resource: 'b' }]] } },
        },
      },
      { outputs: { joined: { value: { get_attr: ['c', 'value'] } } } },
    );
    const s = await createAndWait(engine, 'par', input(t));
    assert.equal(`${s.action}_${s.status}`, 'CREATE_COMPLETE', s.statusReason);
    const events = await store.events([s.id], {});
    const seq = (name: string, st: string) =>
      events.findIndex((e) => e.resourceName === name && `${e.action}_${e.status}` === st);
    // a and b both started before either finished: they ran side by side.
    assert.ok(seq('a', 'CREATE_IN_PROGRESS') < seq('b', 'CREATE_COMPLETE'));
    assert.ok(seq('b', 'CREATE_IN_PROGRESS') < seq('a', 'CREATE_COMPLETE'));
    // c waited for both.
    assert.ok(seq('c', 'CREATE_IN_PROGRESS') > seq('a', 'CREATE_COMPLETE'));
    assert.ok(seq('c', 'CREATE_IN_PROGRESS') > seq('b', 'CREATE_COMPLETE'));
    assert.deepEqual(
      events.filter((e) => e.resourceName === 'par').map((e) => `${e.action}_${e.status}`),
      ['CREATE_IN_PROGRESS', 'CREATE_COMPLETE'],
    );
    assert.deepEqual(await engine.outputs(s), [
      { output_key: 'joined', output_value: 'A+B', description: 'No description given' },
    ]);
  });

  test('update by diff: unchanged, in place, replaced, added, removed (Retain honoured)', async () => {
    const { engine, store } = await engineOn(await fresh());
    const v1 = hot({
      same: { type: 'OS::Heat::RandomString', properties: { length: 8 } },
      inplace: { type: 'OS::Heat::Value', properties: { value: 'one' } },
      replaced: { type: 'OS::Heat::RandomString', properties: { length: 8 } },
      gone: { type: 'OS::Heat::None' },
      kept: { type: 'OS::Heat::None', deletion_policy: 'Retain' },
    });
    const s = await createAndWait(engine, 'diff', input(v1));
    const before = new Map((await store.resources(s.id)).map((r) => [r.name, r]));
    const v2 = hot({
      same: { type: 'OS::Heat::RandomString', properties: { length: 8 } },
      inplace: { type: 'OS::Heat::Value', properties: { value: 'two' } },
      replaced: { type: 'OS::Heat::RandomString', properties: { length: 9 } },
      added: { type: 'OS::Heat::Value', properties: { value: { get_attr: ['same', 'value'] } } },
    });
    const def = engine.prepare(input(v2));
    assert.deepEqual(await engine.diff(s, def), {
      added: ['added'],
      deleted: ['gone', 'kept'],
      replaced: ['replaced'],
      updated: ['inplace'],
      unchanged: ['same'],
    });
    const mark = (await store.events([s.id], {})).length;
    await engine.update(CALLER, s, input(v2), {});
    await engine.idle();
    const after = await engine.store.getStack(s.id);
    assert.equal(`${after?.action}_${after?.status}`, 'UPDATE_COMPLETE', after?.statusReason);
    const rows = new Map((await store.resources(s.id)).map((r) => [r.name, r]));
    assert.equal(rows.get('same')?.data.value, before.get('same')?.data.value);
    assert.equal(rows.get('inplace')?.physicalId, before.get('inplace')?.physicalId);
    assert.equal(rows.get('inplace')?.attributes.value, 'two');
    assert.notEqual(rows.get('replaced')?.data.value, before.get('replaced')?.data.value);
    assert.equal(String(rows.get('replaced')?.data.value).length, 9);
    assert.equal(rows.get('added')?.attributes.value, before.get('same')?.data.value);
    assert.deepEqual([...rows.keys()].sort(), ['added', 'inplace', 'replaced', 'same']);
    const newEvents = (await store.events([s.id], {}))
      .slice(mark)
      .map((e) => `${e.resourceName} ${e.action}_${e.status} ${e.reason}`);
    assert.ok(!newEvents.some((e) => e.startsWith('same ')), 'unchanged resources get no events');
    assert.ok(newEvents.includes('kept DELETE_COMPLETE Retained'));
    assert.ok(newEvents.some((e) => e.startsWith('replaced UPDATE_COMPLETE replaced')));
  });

  test('a failing resource fails the stack; with rollback the created ones are deleted', async () => {
    const { engine, store } = await engineOn(await fresh());
    const t = hot({
      ok: { type: 'OS::Heat::None' },
      bad: { type: 'OS::Heat::TestResource', properties: { fail: true }, depends_on: 'ok' },
      never: { type: 'OS::Heat::None', depends_on: 'bad' },
    });
    const s = await createAndWait(engine, 'nofall', input(t));
    assert.equal(`${s.action}_${s.status}`, 'CREATE_FAILED');
    assert.match(s.statusReason, /Resource CREATE failed: Error: resources\.bad: Test Resource failed bad/);
    assert.deepEqual(await statuses(store, s.id), {
      ok: 'CREATE_COMPLETE',
      bad: 'CREATE_FAILED',
      never: 'INIT_COMPLETE',
    });

    const r = await createAndWait(engine, 'roll', input(t), { ...CREATE_OPTS, disableRollback: false });
    assert.equal(`${r.action}_${r.status}`, 'ROLLBACK_COMPLETE', r.statusReason);
    assert.deepEqual(await statuses(store, r.id), {
      ok: 'INIT_COMPLETE',
      bad: 'INIT_COMPLETE',
      never: 'INIT_COMPLETE',
    });
  });

  test('cancelling an update rolls it back to the previous definition', async () => {
    const { engine, store } = await engineOn(await fresh());
    const s = await createAndWait(
      engine,
      'cancel',
      input(hot({ t: { type: 'OS::Heat::TestResource', properties: { value: 'v1' } } })),
    );
    await engine.update(
      CALLER,
      s,
      input(hot({ t: { type: 'OS::Heat::TestResource', properties: { value: 'v2', wait_secs: 30 } } })),
      {},
    );
    // Cancel once the update is visibly running.
    for (let i = 0; i < 200 && (await statuses(store, s.id)).t !== 'UPDATE_IN_PROGRESS'; i++)
      await new Promise((r) => setTimeout(r, 10));
    await engine.cancel((await store.getStack(s.id)) as never);
    await engine.idle();
    const after = await store.getStack(s.id);
    assert.equal(`${after?.action}_${after?.status}`, 'ROLLBACK_COMPLETE', after?.statusReason);
    const row = await store.resource(s.id, 't');
    assert.equal(row?.attributes.output, 'v1');
    assert.equal(
      after?.template.resources &&
        (after.template.resources as never as { t: { properties: { value: string } } }).t.properties.value,
      'v1',
    );
  });

  test('delete goes in reverse dependency order and marks the stack deleted', async () => {
    const { engine, store } = await engineOn(await fresh());
    const s = await createAndWait(
      engine,
      'del',
      input(
        hot({
          a: { type: 'OS::Heat::None' },
          b: { type: 'OS::Heat::None', depends_on: 'a' },
          c: { type: 'OS::Heat::None', depends_on: 'b' },
        }),
      ),
    );
    await engine.delete(CALLER, s);
    await engine.idle();
    const events = (await store.events([s.id], {}))
      .filter((e) => e.action === 'DELETE' && e.status === 'COMPLETE')
      .map((e) => e.resourceName);
    assert.deepEqual(events, ['c', 'b', 'a', 'del']);
    const after = await store.getStack(s.id);
    assert.ok(after?.deletedAt);
    assert.equal(await store.findLive('p1', 'del'), undefined);
    assert.deepEqual(await store.resources(s.id), []);
  });

  test('nested: template resource from files, ResourceGroup with index and removal policy', async () => {
    const { engine, store } = await engineOn(await fresh());
    const child = JSON.stringify({
      heat_template_version: '2018-08-31',
      parameters: { greeting: { type: 'string' } },
      resources: { inner: { type: 'OS::Heat::Value', properties: { value: { get_param: 'greeting' } } } },
      outputs: { said: { value: { get_attr: ['inner', 'value'] } } },
    });
    const t = hot(
      {
        tmpl: { type: 'My::Child', properties: { greeting: 'hello' } },
        group: {
          type: 'OS::Heat::ResourceGroup',
          properties: {
            count: 3,
            resource_def: { type: 'OS::Heat::Value', properties: { value: 'member-%index%' } },
          },
        },
      },
      {
        outputs: {
          said: { value: { get_attr: ['tmpl', 'said'] } },
          inner: { value: { get_attr: ['tmpl', 'resource.inner', 'value'] } },
          values: { value: { get_attr: ['group', 'value'] } },
          second: { value: { get_attr: ['group', 'resource.1', 'value'] } },
        },
      },
    );
    const i = input(t, { files: { 'file:///c.yaml': child }, registry: { 'My::Child': 'file:///c.yaml' } });
    const s = await createAndWait(engine, 'nest', i);
    assert.equal(`${s.action}_${s.status}`, 'CREATE_COMPLETE', s.statusReason);
    const out = Object.fromEntries((await engine.outputs(s)).map((o) => [o.output_key, o.output_value]));
    assert.deepEqual(out, {
      said: 'hello',
      inner: 'hello',
      values: ['member-0', 'member-1', 'member-2'],
      second: 'member-1',
    });
    const children = await store.childStacks(s.id);
    assert.equal(children.length, 2);
    assert.ok(children.every((c) => c.rootId === s.id && c.status === 'COMPLETE'));

    // Remove member 1 by policy and grow to 3 again: 1 is never reused.
    const t2 = structuredClone(t) as typeof t;
    (t2.resources.group.properties as Record<string, unknown>).removal_policies = [{ resource_list: ['1'] }];
    await engine.update(CALLER, s, { ...i, template: t2 }, {});
    await engine.idle();
    const after = await store.getStack(s.id);
    assert.equal(`${after?.action}_${after?.status}`, 'UPDATE_COMPLETE', after?.statusReason);
    const out2 = Object.fromEntries((await engine.outputs(s)).map((o) => [o.output_key, o.output_value]));
    assert.deepEqual(out2.values, ['member-0', 'member-2', 'member-3']);

    await engine.delete(CALLER, (await store.getStack(s.id)) as never);
    await engine.idle();
    for (const c of children)
      assert.ok((await store.getStack(c.id))?.deletedAt, 'child stacks are deleted with the parent');
  });

  test('OS::Heat::Stack in another region is refused, not made here; this region is fine', async () => {
    const { engine } = await engineOn(await fresh());
    const inner = hot({ r: { type: 'OS::Heat::None' } });
    const t = (region: string) =>
      hot({
        s: { type: 'OS::Heat::Stack', properties: { template: inner, context: { region_name: region } } },
      });
    const far = await createAndWait(engine, 'far', input(t('DARKHOLE')));
    assert.equal(far.status, 'FAILED');
    assert.match(far.statusReason, /Cannot establish connection to Heat endpoint at region "DARKHOLE"/);
    const near = await createAndWait(engine, 'near', input(t('RegionOne')));
    assert.equal(`${near.action}_${near.status}`, 'CREATE_COMPLETE', near.statusReason);
  });

  test('hidden parameters and random strings are sealed at rest, and shown masked', async () => {
    const db = await fresh();
    const keys = mkdtempSync(join(tmpdir(), 'ooo-heat-keys-'));
    try {
      const { engine, store } = await engineOn(db, { secrets: openSecretBox(keys) });
      const t = hot(
        {
          pw: { type: 'OS::Heat::RandomString', properties: { length: 24 } },
          // A resolved property carrying the hidden value (as an OS::Keystone::User password would).
          copy: { type: 'OS::Heat::None', properties: { password: { get_param: 'db_password' } } },
        },
        { parameters: { db_password: { type: 'string', hidden: true } } },
      );
      const s = await createAndWait(
        engine,
        'sealed',
        input(t, { parameters: { db_password: 'hunter2-very-secret' } }),
      );
      const value = String((await store.resource(s.id, 'pw'))?.data.value);
      assert.equal(value.length, 24);
      assert.equal(s.params.db_password, 'hunter2-very-secret');
      const rawStack = JSON.stringify(await db.get('SELECT * FROM heat_stacks WHERE id = ?', [s.id]));
      const rawRes = JSON.stringify(await db.all('SELECT * FROM heat_resources WHERE stack_id = ?', [s.id]));
      assert.ok(!rawStack.includes('hunter2-very-secret'), 'the hidden parameter is not stored in clear');
      assert.ok(!rawRes.includes(value), 'the random string is not stored in clear');
      assert.ok(!rawRes.includes('hunter2-very-secret'), 'resolved properties are not stored in clear');
      assert.equal((await store.resource(s.id, 'copy'))?.properties.password, 'hunter2-very-secret');
      assert.match(rawStack, /sb1:\d+:/);
    } finally {
      rmSync(keys, { recursive: true, force: true });
    }
  });

  test('wait conditions: complete on count SUCCESS signals, fail on FAILURE, time out', async () => {
    const { engine, store } = await engineOn(await fresh());
    const t = (timeout: number) =>
      hot(
        {
          handle: { type: 'OS::Heat::WaitConditionHandle' },
          wait: {
            type: 'OS::Heat::WaitCondition',
            properties: { handle: { get_resource: 'handle' }, count: 2, timeout },
          },
          after: { type: 'OS::Heat::None', depends_on: 'wait' },
        },
        { outputs: { data: { value: { get_attr: ['wait', 'data'] } } } },
      );
    const waitFor = async (id: string, want: string) => {
      for (
        let i = 0;
        i < 500 && (await statuses(store, id))[want.split(' ')[0] as string] !== want.split(' ')[1];
        i++
      )
        await new Promise((r) => setTimeout(r, 10));
    };
    const ok = await engine.create(CALLER, 'waits', input(t(30)), CREATE_OPTS);
    await waitFor(ok.id, 'wait CREATE_IN_PROGRESS');
    await store.addSignal(ok.id, 'handle', { status: 'SUCCESS', data: 'one', id: 'a' });
    await store.addSignal(ok.id, 'handle', { status: 'SUCCESS', data: 'two', id: 'b' });
    await engine.idle();
    const done = await store.getStack(ok.id);
    assert.equal(`${done?.action}_${done?.status}`, 'CREATE_COMPLETE', done?.statusReason);
    assert.deepEqual(
      (await engine.outputs(done as never))[0]?.output_value,
      JSON.stringify({ a: 'one', b: 'two' }),
    );

    const bad = await engine.create(CALLER, 'waitfail', input(t(30)), CREATE_OPTS);
    await waitFor(bad.id, 'wait CREATE_IN_PROGRESS');
    await store.addSignal(bad.id, 'handle', { status: 'FAILURE', reason: 'disk full' });
    await engine.idle();
    const failed = await store.getStack(bad.id);
    assert.match(failed?.statusReason ?? '', /resources\.wait: WaitConditionFailure: disk full/);
    assert.equal((await statuses(store, bad.id)).after, 'INIT_COMPLETE');

    const slow = await createAndWait(engine, 'waitslow', input(t(1)));
    assert.match(slow.statusReason, /WaitConditionTimeout: 0 of 2 received/);
  });

  test('suspend and resume move every resource; resume needs a suspended stack', async () => {
    const { engine, store } = await engineOn(await fresh());
    const s = await createAndWait(
      engine,
      'sus',
      input(hot({ a: { type: 'OS::Heat::None' }, b: { type: 'OS::Heat::Value', properties: { value: 1 } } })),
    );
    await assert.rejects(engine.check(CALLER, s, 'RESUME'), /suspend it first/);
    await engine.check(CALLER, s, 'SUSPEND');
    await engine.idle();
    const sus = await store.getStack(s.id);
    assert.equal(`${sus?.action}_${sus?.status}`, 'SUSPEND_COMPLETE');
    assert.deepEqual(await statuses(store, s.id), { a: 'SUSPEND_COMPLETE', b: 'SUSPEND_COMPLETE' });
    await engine.check(CALLER, sus as never, 'RESUME');
    await engine.idle();
    const res = await store.getStack(s.id);
    assert.equal(`${res?.action}_${res?.status}`, 'RESUME_COMPLETE');
    assert.deepEqual(await statuses(store, s.id), { a: 'RESUME_COMPLETE', b: 'RESUME_COMPLETE' });
  });
});
