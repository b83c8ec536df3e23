// Stack engine benchmark: a 1,000-resource stack (OS::Heat::None, then OS::Heat::RandomString) created,
// updated with one changed resource, and deleted, on a SQLite file. The reference, measured in the same
// run, is the bare cost of the rows that work must write: the resource rows and two events per resource
// inserted in one transaction with the same store code. Goals: create ≤ 10 s, update ≤ 1 s, delete ≤ 10 s.
// Run: node_modules/.bin/node bench/orchestration/stack.ts [resources]   (BENCH_DB=postgres://… for PG)
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyEnvironment } from '../../src/orchestration/model/environment.ts';
import type { JsonMap } from '../../src/orchestration/model/template-format.ts';
import { orchestrationMigrations } from '../../src/orchestration/store/migrations.ts';
import { HeatStore, type StackRow } from '../../src/orchestration/store/stacks.ts';
import { Engine } from '../../src/orchestration/worker/engine.ts';
import { PluginRegistry } from '../../src/orchestration/worker/resources/registry.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { EventLog } from '../../src/platform/events/event-log.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import { Leases } from '../../src/platform/work/leases.ts';
import { platformMigrations } from '../../src/platform/work/migrations.ts';

const N = Number(process.argv[2] ?? 1000);
const dir = mkdtempSync(join(tmpdir(), 'ooo-bench-heat-'));
const db = openDatabase(process.env.BENCH_DB ?? join(dir, 'bench.sqlite'));
const caller = { projectId: 'bench', userId: 'bench' };

function template(type: string, changed: number | undefined): JsonMap {
  const resources: JsonMap = {};
  for (let i = 0; i < N; i++) {
    const props: JsonMap =
      type === 'OS::Heat::RandomString' ? { length: i === changed ? 17 : 16 } : { n: i === changed ? -1 : i };
    resources[`r${i}`] = { type, properties: props };
  }
  return { heat_template_version: '2018-08-31', resources };
}

const input = (t: JsonMap) => ({ template: t, files: {}, environment: emptyEnvironment() });

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const r = await fn();
  return [(performance.now() - t0) / 1000, r];
}

try {
  await migrate(db, 'platform', platformMigrations);
  await migrate(db, 'orchestration', orchestrationMigrations);
  const store = new HeatStore(db);
  const engine = new Engine({
    ctx: { log: silentLogger(), signal: new AbortController().signal },
    db,
    store,
    leases: new Leases(db),
    events: new EventLog(db),
    registry: new PluginRegistry(),
    clients: {},
    region: 'RegionOne',
  });

  // Reference: the same rows (N resources, 2N events) written bare in one transaction.
  const [bare] = await timed(() =>
    db.tx(async (q) => {
      const stackId = randomUUID();
      const now = Date.now();
      await store.insertStack(q, {
        id: stackId,
        name: `bare-${stackId}`,
        projectId: 'ref',
        userId: 'ref',
        parentId: null,
        parentResource: null,
        rootId: stackId,
        action: 'CREATE',
        status: 'COMPLETE',
        statusReason: '',
        template: {},
        environment: {},
        files: {},
        params: {},
        prev: null,
        disableRollback: true,
        timeoutMins: null,
        tags: [],
        createdAt: now,
        updatedAt: null,
        deletedAt: null,
      } satisfies StackRow);
      for (let i = 0; i < N; i++) {
        const row = {
          stackId,
          name: `r${i}`,
          id: randomUUID(),
          type: 'OS::Heat::None',
          action: 'CREATE',
          status: 'COMPLETE',
          statusReason: 'state changed',
          physicalId: randomUUID(),
          properties: { n: i },
          metadata: {},
          attributes: {},
          data: {},
          nestedId: null,
          createdAt: now,
          updatedAt: now,
        };
        await store.upsertResource(q, row);
        for (const status of ['IN_PROGRESS', 'COMPLETE']) {
          await store.addEvent(q, {
            id: randomUUID(),
            stackId,
            rootStackId: stackId,
            resourceName: row.name,
            physicalId: row.physicalId,
            resourceType: row.type,
            action: 'CREATE',
            status,
            reason: 'state changed',
            createdAt: now,
          });
        }
      }
    }),
  );
  console.log(`reference: ${N} resource rows + ${2 * N} events in one transaction: ${bare.toFixed(3)} s`);

  for (const type of ['OS::Heat::None', 'OS::Heat::RandomString']) {
    const name = `bench-${type.split('::')[2]}`;
    const [create, s] = await timed(async () => {
      const st = await engine.create(caller, name, input(template(type, undefined)), {
        disableRollback: true,
        timeoutMins: null,
        tags: [],
      });
      await engine.idle();
      return (await store.getStack(st.id)) as StackRow;
    });
    if (s.status !== 'COMPLETE') throw new Error(`create: ${s.action}_${s.status} ${s.statusReason}`);
    const [update] = await timed(async () => {
      await engine.update(caller, s, input(template(type, 7)), {});
      await engine.idle();
    });
    const u = (await store.getStack(s.id)) as StackRow;
    if (u.status !== 'COMPLETE') throw new Error(`update: ${u.action}_${u.status} ${u.statusReason}`);
    const changedEvents = (await store.events([s.id], {})).filter(
      (e) => e.action === 'UPDATE' && e.resourceName !== name,
    );
    const [del] = await timed(async () => {
      await engine.delete(caller, u);
      await engine.idle();
    });
    const d = (await store.getStack(s.id)) as StackRow;
    if (d.status !== 'COMPLETE') throw new Error(`delete: ${d.action}_${d.status} ${d.statusReason}`);
    const ratio = (x: number) => (x / bare).toFixed(1);
    console.log(
      `${type} ×${N}: create ${create.toFixed(2)} s (${ratio(create)}× reference, goal ≤ 10 s), ` +
        `one-change update ${update.toFixed(2)} s (${ratio(update)}×, goal ≤ 1 s; ${changedEvents.length} resource events), ` +
        `delete ${del.toFixed(2)} s (${ratio(del)}×, goal ≤ 10 s)`,
    );
  }
} finally {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}
