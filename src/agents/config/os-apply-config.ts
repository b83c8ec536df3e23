// Entry point: os-apply-config (bundled to dist/os-apply-config.mjs for images).
import { run } from './oac-cli.ts';

run(process.argv.slice(2));
