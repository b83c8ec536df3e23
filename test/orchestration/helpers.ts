// An engine over a fresh database, for tests of the engine without HTTP.

import { emptyEnvironment } from '../../src/orchestration/model/environment.ts';
import type { JsonMap } from '../../src/orchestration/model/template-format.ts';
import { orchestrationMigrations } from '../../src/orchestration/store/migrations.ts';
import { HeatStore, type StackRow } from '../../src/orchestration/store/stacks.ts';
import { Engine } from '../../src/orchestration/worker/engine.ts';
import { PluginRegistry } from '../../src/orchestration/worker/resources/registry.ts';
import type { SecretBox } from '../../src/platform/crypto/secret-box.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import type { Database } from '../../src/platform/db/types.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import { Leases } from '../../src/platform/work/leases.ts';
import { platformMigrations } from '../../src/platform/work/migrations.ts';

export const CALLER = { projectId: 'p1', userId: 'u1' };

// The engines engineOn started: a suite stops them after each test (afterEach(stopEngines)) so a run still
// going when an assertion failed does not outlive its test.
const started: Engine[] = [];

export async function stopEngines(): Promise<void> {
  for (const engine of started.splice(0)) await engine.stop();
}

export async function engineOn(
  db: Database,
  opts: { owner?: string; leaseTtlMs?: number; secrets?: SecretBox } = {},
) {
  await migrate(db, 'platform', platformMigrations);
  await migrate(db, 'orchestration', orchestrationMigrations);
  const store = new HeatStore(db, opts.secrets);
  const controller = new AbortController();
  const engine = new Engine({
    ctx: { log: silentLogger(), signal: controller.signal },
    db,
    store,
    leases: new Leases(db),
    registry: new PluginRegistry(),
    clients: {},
    region: 'RegionOne',
    ...(opts.owner ? { owner: opts.owner } : {}),
    ...(opts.leaseTtlMs ? { leaseTtlMs: opts.leaseTtlMs } : {}),
  });
  started.push(engine);
  return { engine, store };
}

export function input(
  template: JsonMap,
  over: {
    parameters?: JsonMap;
    files?: Record<string, string>;
    registry?: JsonMap;
    parameter_defaults?: JsonMap;
  } = {},
) {
  return {
    template,
    files: over.files ?? {},
    environment: {
      ...emptyEnvironment(),
      parameters: over.parameters ?? {},
      parameter_defaults: over.parameter_defaults ?? {},
      resource_registry: over.registry ?? {},
    },
  };
}

export const CREATE_OPTS = { disableRollback: true, timeoutMins: null, tags: [] as string[] };

/** Creates a stack and waits until the engine is idle; returns the stored row. */
export async function createAndWait(
  engine: Engine,
  name: string,
  i: ReturnType<typeof input>,
  opts = CREATE_OPTS,
): Promise<StackRow> {
  const s = await engine.create(CALLER, name, i, opts);
  await engine.idle();
  return (await engine.store.getStack(s.id)) as StackRow;
}

export async function statuses(store: HeatStore, stackId: string): Promise<Record<string, string>> {
  return Object.fromEntries((await store.resources(stackId)).map((r) => [r.name, `${r.action}_${r.status}`]));
}
