// Bundles each command into one file in dist/ with esbuild: what an installed package runs (Node will not
// strip types under node_modules). The in-instance agents have their own build (Node 18 targets, shebangs)
// because image elements install those files as the commands themselves.
import { basename, resolve } from 'node:path';
import { build } from 'esbuild';
import { buildAgents } from '../src/agents/config/build.ts';
import { buildDeployAgent } from '../src/agents/deploy/build.ts';

const CONTROL_PLANE = [
  'src/cli/ooo.ts',
  'src/imagebuilder/disk-image-create.ts',
  'src/imagebuilder/ramdisk-image-create.ts',
];

for (const src of CONTROL_PLANE) {
  const out = `dist/${basename(src, '.ts')}.mjs`;
  await build({
    entryPoints: [src],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    packages: 'external',
    // Bundled ESM still needs require() for CommonJS dependencies.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'warning',
  });
  console.log(`built ${out}`);
}
for (const out of await buildAgents(resolve('dist'))) console.log(`built ${out}`);
console.log(`built ${await buildDeployAgent(resolve('dist'))}`);
