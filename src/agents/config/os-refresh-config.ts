// Entry point: os-refresh-config (bundled to dist/os-refresh-config.mjs for images).
import { run } from './orc-cli.ts';

run(process.argv.slice(2));
