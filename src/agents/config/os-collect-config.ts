// Entry point: os-collect-config (bundled to dist/os-collect-config.mjs for images).
import { run } from './occ-cli.ts';

run(process.argv.slice(2));
