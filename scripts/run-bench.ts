// Runs the benchmarks of the areas named (default: all), one file at a time so they do not disturb each
// other: `npm run bench -- identity image`. Each prints its ratios against references from the same run.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const all = readdirSync('bench', { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();
const areas = process.argv.slice(2);
const unknown = areas.filter((a) => !all.includes(a));
if (unknown.length > 0) {
  console.error(`unknown bench area: ${unknown.join(', ')} (there are: ${all.join(', ')})`);
  process.exit(2);
}
let failed = 0;
for (const area of areas.length > 0 ? areas : all) {
  const files = readdirSync(join('bench', area))
    .filter((f) => f.endsWith('.ts') && !f.includes('.support.'))
    .sort();
  for (const f of files) {
    console.log(`\n== bench/${area}/${f}`);
    const r = spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', join('bench', area, f)], {
      stdio: 'inherit',
    });
    if (r.status !== 0) failed++;
  }
}
process.exit(failed === 0 ? 0 : 1);
