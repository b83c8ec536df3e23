// heat-config-notify (heat-agents): `heat-config-notify <deployed config.json> < signal.json` sends the
// signal data to the deployment's deploy_signal_id with deploy_signal_verb (POST, or PUT) as JSON, as
// CFN_SIGNAL deployments expect; stdout and stderr are trimmed from the left so the body stays under
// Heat's limit. Connection failures and 5xx answers are retried with back-off. Transports that need a
// Keystone user (HEAT_SIGNAL's deploy_auth_url, Zaqar queues) are not handled here: the original's
// heatclient path has no counterpart, and the tool says so.
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const MAX_RESPONSE_SIZE = 950000;

function log(level: string, msg: string): void {
  process.stderr.write(`[${new Date().toISOString()}] (heat-config-notify) [${level}] ${msg}\n`);
}

/** The JSON text of the signal, deploy_stdout and deploy_stderr cut from the left to fit the limit. */
export function trimResponse(data: Record<string, unknown>): string {
  let text = JSON.stringify(data);
  const over = text.length - MAX_RESPONSE_SIZE;
  if (over <= 0) return text;
  const total = text.length;
  const out = { ...data };
  for (const k of ['deploy_stdout', 'deploy_stderr']) {
    const v = typeof out[k] === 'string' ? (out[k] as string) : '';
    out[k] = v.slice(Math.round((v.length / total) * over));
  }
  text = JSON.stringify(out);
  return text;
}

export async function notify(argv: string[], stdin: string): Promise<number> {
  const usage = 'Usage:\n  heat-config-notify /path/to/config.json < /path/to/signal_data.json';
  if (argv.length < 1) {
    log('ERROR', usage);
    return 1;
  }
  let signal: Record<string, unknown> = {};
  try {
    signal = JSON.parse(stdin) as Record<string, unknown>;
  } catch {
    log('WARNING', 'No valid json found on stdin');
  }
  const confFile = argv[0] as string;
  if (!existsSync(confFile)) {
    log('ERROR', `No config file ${confFile}`);
    log('ERROR', usage);
    return 1;
  }
  const c = JSON.parse(readFileSync(confFile, 'utf8')) as { inputs?: { name: string; value: unknown }[] };
  const iv = Object.fromEntries((c.inputs ?? []).map((i) => [i.name, i.value]));
  if (typeof iv.deploy_signal_id === 'string') {
    const url = iv.deploy_signal_id;
    const verb = iv.deploy_signal_verb === 'PUT' ? 'PUT' : 'POST';
    log('DEBUG', `Signaling to ${url} via ${verb}`);
    const body = trimResponse(signal);
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await fetch(url, { method: verb, body, headers: { 'content-type': 'application/json' } });
        await r.text();
        if (r.status >= 500 && attempt < 10) throw new Error(`HTTP ${r.status}`);
        log('DEBUG', `Response <Response [${r.status}]> `);
        break;
      } catch (e) {
        if (attempt >= 10) throw e;
        await sleep(500 * 2 ** Math.min(attempt, 5));
      }
    }
  } else if ('deploy_auth_url' in iv || 'deploy_queue_id' in iv) {
    log('ERROR', 'Signalling with Keystone credentials (HEAT_SIGNAL, ZAQAR_SIGNAL) is not available here.');
    return 1;
  }
  return 0;
}
