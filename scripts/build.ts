// Bundles each command into one file in dist/ with esbuild: what an installed package runs (Node will not
// strip types under node_modules) and what image elements copy into machines.
// The in-instance agents target Debian bookworm's nodejs 18; the control plane targets Node 24.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { build } from 'esbuild';

interface Entry {
  src: string;
  target: string;
}

const entries: Entry[] = [
  { src: 'src/cli/ooo.ts', target: 'node24' },
  { src: 'src/imagebuilder/disk-image-create.ts', target: 'node24' },
  { src: 'src/imagebuilder/ramdisk-image-create.ts', target: 'node24' },
  { src: 'src/agents/config/os-apply-config.ts', target: 'node18' },
  { src: 'src/agents/config/os-refresh-config.ts', target: 'node18' },
  { src: 'src/agents/config/os-collect-config.ts', target: 'node18' },
  { src: 'src/agents/config/dib-run-parts.ts', target: 'node18' },
];

for (const e of entries.filter((x) => existsSync(x.src))) {
  const out = `dist/${basename(e.src, '.ts')}.mjs`;
  await build({
    entryPoints: [e.src],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: e.target,
    packages: e.target === 'node18' ? undefined : 'external',
    // Bundled ESM still needs require() for CommonJS dependencies.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'warning',
  });
  console.log(`built ${out} (${e.target})`);
}
