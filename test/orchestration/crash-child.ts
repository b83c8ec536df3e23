// A child process for the kill -9 test: an engine on the given SQLite file starts creating a stack whose
// resource takes a minute, prints "in-progress" once the resource is, and waits to be killed.
import { openDatabase } from '../../src/platform/db/open.ts';
import { CALLER, CREATE_OPTS, engineOn, input } from './helpers.ts';

const [file] = process.argv.slice(2);
if (!file) throw new Error('usage: crash-child.ts <sqlite file>');
const db = openDatabase(file);
const { engine, store } = await engineOn(db, { owner: 'engine-killed', leaseTtlMs: 300 });
const s = await engine.create(
  CALLER,
  'killed',
  input({
    heat_template_version: '2018-08-31',
    resources: {
      quick: { type: 'OS::Heat::None' },
      slow: { type: 'OS::Heat::TestResource', properties: { wait_secs: 60 }, depends_on: 'quick' },
    },
  }),
  CREATE_OPTS,
);
for (;;) {
  const r = await store.resource(s.id, 'slow');
  if (r?.action === 'CREATE' && r.status === 'IN_PROGRESS') break;
  await new Promise((res) => setTimeout(res, 10));
}
process.stdout.write(`in-progress ${s.id}\n`);
await new Promise(() => {});
