// Entry point: heat-config-notify.
import { readFileSync } from 'node:fs';
import { notify } from './heat-config-signal.ts';

process.exitCode = await notify(process.argv.slice(2), readFileSync(0, 'utf8'));
