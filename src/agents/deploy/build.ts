// Builds the deploy agent as one file for the ramdisk: dist/deploy-agent.mjs, Node 18 (Debian bookworm's
// nodejs), no dependencies, a shebang so the element can install it as the command.
import { chmodSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

export async function buildDeployAgent(outDir: string): Promise<string> {
  const outfile = join(outDir, 'deploy-agent.mjs');
  await build({
    entryPoints: [join(import.meta.dirname, 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'esm',
    minify: true,
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
  });
  chmodSync(outfile, 0o755);
  return outfile;
}

if (process.argv[1] === import.meta.filename) {
  process.stdout.write(`${await buildDeployAgent(resolve(import.meta.dirname, '../../../dist'))}\n`);
}
