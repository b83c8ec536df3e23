// heat-config (os-refresh-config's configure.d/55-heat-config in heat-agents): for each deployment in
// the heat-config file (rendered by os-apply-config from the metadata's `deployments`), run the hook of
// its group with the deployment on stdin, once per deployment id (deployed/<id>.json marks it done
// whatever the outcome), then hand the hook's answer to heat-config-notify, which signals Heat.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Deployment = {
  id: string;
  group?: string;
  config?: unknown;
  inputs?: { name: string; type?: string; value: unknown }[];
  [k: string]: unknown;
};

// Groups os-collect-config itself handles, which never had a hook.
const NO_HOOK_NEEDED = ['os-apply-config'];

function log(level: string, msg: string): void {
  process.stderr.write(`[${new Date().toISOString()}] (heat-config) [${level}] ${msg}\n`);
}

export function hookPath(group: string, dirs: (string | undefined)[]): string | undefined {
  const name = [...group].filter((c) => c === '-' || c === '_' || /[\p{L}\p{N}]/u.test(c)).join('');
  for (const d of dirs) if (d && existsSync(join(d, name))) return join(d, name);
  return undefined;
}

export function runHeatConfig(env: NodeJS.ProcessEnv = process.env): number {
  const confFile = env.HEAT_SHELL_CONFIG ?? '/var/run/heat-config/heat-config';
  const deployedDir = env.HEAT_CONFIG_DEPLOYED ?? '/var/lib/heat-config/deployed';
  const notify = env.HEAT_CONFIG_NOTIFY ?? 'heat-config-notify';
  const hookDirs = [env.HEAT_CONFIG_HOOKS, '/usr/libexec/heat-config/hooks', '/var/lib/heat-config/hooks'];
  if (!existsSync(confFile)) {
    log('ERROR', `No config file ${confFile}`);
    return 1;
  }
  if ((lstatSync(confFile).mode & 0o777) !== 0o600) chmodSync(confFile, 0o600);
  mkdirSync(deployedDir, { recursive: true, mode: 0o700 });
  let configs: Deployment[];
  try {
    configs = JSON.parse(readFileSync(confFile, 'utf8')) as Deployment[];
  } catch {
    return 0;
  }
  for (const c of Array.isArray(configs) ? configs : []) {
    try {
      invoke(c, deployedDir, notify, hookDirs, env);
    } catch (e) {
      log('ERROR', (e as Error).message);
    }
  }
  return 0;
}

function invoke(
  c: Deployment,
  deployedDir: string,
  notify: string,
  hookDirs: (string | undefined)[],
  env: NodeJS.ProcessEnv,
) {
  // String inputs reach the hook as strings (bug 1333992 in the original).
  for (const i of c.inputs ?? [])
    if (i.type === 'String' && typeof i.value !== 'string') i.value = pyStr(i.value);
  const deployed = join(deployedDir, `${c.id}.json`);
  if (existsSync(deployed)) {
    log('WARNING', `Skipping config ${c.id}, already deployed`);
    log('WARNING', `To force-deploy, rm ${deployed}`);
    return;
  }
  const group = String(c.group ?? '');
  const hook = hookPath(group, hookDirs);
  if (!hook) {
    if (!NO_HOOK_NEEDED.includes(group)) log('ERROR', `Skipping group ${group} with no hook script None`);
    return;
  }
  // Written first: the config counts as deployed whatever the hook does.
  writeFileSync(deployed, JSON.stringify(c, null, 2), { mode: 0o600 });
  log('DEBUG', `Running ${hook} < ${deployed}`);
  const r = spawnSync(hook, [], { input: JSON.stringify(c), env, maxBuffer: 64 * 1024 * 1024 });
  const stdout = r.stdout?.toString('utf8') ?? '';
  const stderr = r.stderr?.toString('utf8') ?? '';
  const code = r.status ?? 1;
  let signal: unknown = {};
  if (code !== 0) {
    log('ERROR', `Error running ${hook}. [${code}]\n`);
    signal = { deploy_stdout: stdout, deploy_stderr: stderr, deploy_status_code: code };
  } else log('INFO', `Completed ${hook}`);
  if (stdout) {
    try {
      signal = JSON.parse(stdout);
    } catch {
      signal = { deploy_stdout: stdout, deploy_stderr: stderr, deploy_status_code: code };
    }
  }
  const signalPath = join(deployedDir, `${c.id}.notify.json`);
  writeFileSync(signalPath, JSON.stringify(signal, null, 2), { mode: 0o600 });
  log('DEBUG', `Running ${notify} ${deployed} < ${signalPath}`);
  const n = spawnSync(notify, [deployed], { input: JSON.stringify(signal), env });
  if (n.status !== 0) {
    log('ERROR', `Error running heat-config-notify. [${n.status}]\n`);
    log('ERROR', n.stderr?.toString() ?? '');
  }
}

/** Python's str() of a JSON value, as the original turns non-string String inputs into text. */
function pyStr(v: unknown): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}
