// The `script` hook of heat-config (heat-agents heat-config-script): the deployment on stdin; its config
// written to <working dir>/<id> (mode 0700) and run with each input as an environment variable and
// heat_outputs_path set; declared outputs read back from <outputs dir>/<id>.<name>. Prints the signal
// data as JSON: deploy_stdout, deploy_stderr, deploy_status_code and the outputs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function runScriptHook(input: string, env: NodeJS.ProcessEnv = process.env): string {
  const working = env.HEAT_SCRIPT_WORKING ?? '/var/lib/heat-config/heat-config-script';
  const outputsDir = env.HEAT_SCRIPT_OUTPUTS ?? '/var/run/heat-config/heat-config-script';
  mkdirSync(working, { recursive: true, mode: 0o700 });
  mkdirSync(outputsDir, { recursive: true, mode: 0o700 });
  const c = JSON.parse(input) as {
    id: string;
    config?: unknown;
    inputs?: { name: string; value: unknown }[];
    outputs?: { name: string }[];
  };
  const script = join(working, c.id);
  writeFileSync(script, typeof c.config === 'string' ? c.config : JSON.stringify(c.config ?? ''), {
    mode: 0o700,
  });
  const outputsPath = join(outputsDir, c.id);
  const childEnv: NodeJS.ProcessEnv = { ...env, heat_outputs_path: outputsPath };
  for (const i of c.inputs ?? [])
    childEnv[i.name] = typeof i.value === 'string' ? i.value : JSON.stringify(i.value);
  const r = spawnSync(script, [], { cwd: working, env: childEnv, maxBuffer: 64 * 1024 * 1024 });
  const result: Record<string, unknown> = {
    deploy_stdout: r.stdout?.toString('utf8') ?? '',
    deploy_stderr: r.stderr?.toString('utf8') ?? (r.error ? String(r.error.message) : ''),
    deploy_status_code: r.status ?? 1,
  };
  for (const o of c.outputs ?? []) {
    const f = `${outputsPath}.${o.name}`;
    if (existsSync(f)) result[o.name] = readFileSync(f, 'utf8');
  }
  return JSON.stringify(result);
}
