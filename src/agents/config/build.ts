// Builds the single-file tools for images: dist/<tool>.mjs, no dependencies beyond Node 18
// (Debian bookworm's nodejs), each starting with a shebang so it can be installed as the command.
import { chmodSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

export const TOOLS = [
  'os-apply-config',
  'os-refresh-config',
  'os-collect-config',
  'dib-run-parts',
  'instance-init',
  // heat-config's commands (elements/heat-config): the deployments' runner, its signaller, the script hook
  'heat-config',
  'heat-config-notify',
  'heat-config-hook-script',
];

export async function buildAgents(outDir: string): Promise<string[]> {
  const here = import.meta.dirname;
  const outputs: string[] = [];
  for (const tool of TOOLS) {
    const outfile = join(outDir, `${tool}.mjs`);
    await build({
      entryPoints: [join(here, `${tool}.ts`)],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node18',
      format: 'esm',
      // The yaml package's Node build is CommonJS and requires node: built-ins, which an ES module
      // bundle can only do through a require of its own.
      banner: {
        js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
      },
      logLevel: 'warning',
    });
    chmodSync(outfile, 0o755);
    outputs.push(outfile);
  }
  return outputs;
}

if (process.argv[1] === import.meta.filename) {
  const out = resolve(import.meta.dirname, '../../../dist');
  for (const f of await buildAgents(out)) process.stdout.write(`${f}\n`);
}
