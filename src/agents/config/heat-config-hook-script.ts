// Entry point: the heat-config `script` hook (installed as <hooks>/script).
import { readFileSync } from 'node:fs';
import { runScriptHook } from './heat-config-script-hook.ts';

process.stdout.write(runScriptHook(readFileSync(0, 'utf8')));
