// `ooo node timeline NODE`: the phases of the node's last deploy with their durations, from the bare metal
// API's node events (GET /v1/nodes/{node}/events).
import { parseArgs } from 'node:util';
import { BaremetalApiError } from '../../baremetal/import/baremetal-http.ts';
import { baremetalFromEnv } from '../../baremetal/import/credentials.ts';
import { deployTimeline, formatTimeline, type NodeEventRecord } from '../../baremetal/model/timeline.ts';
import type { CliIo } from '../io.ts';
import { COMMON_OPTIONS } from '../load-config.ts';
import { labContext, labStateDir } from './lab-common.ts';

export async function nodeTimelineCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: COMMON_OPTIONS, allowPositionals: true });
  const ident = positionals[0];
  if (!ident || positionals.length > 1) {
    io.stderr.write('usage: ooo node timeline NODE [--state-dir D]\n');
    return 2;
  }
  const ctx = labContext(io);
  try {
    const api = await baremetalFromEnv(ctx, io.env, labStateDir(values, io));
    const node = await api.node(ctx, ident);
    if (!node) {
      io.stderr.write(`ooo node timeline: no node ${ident}\n`);
      return 1;
    }
    const { events } = await api.call<{ events: NodeEventRecord[] }>(
      ctx,
      'GET',
      `/v1/nodes/${String(node.uuid)}/events`,
    );
    const t = deployTimeline(events);
    if (!t) {
      io.stdout.write(`${ident}: no deploy recorded (provision state ${String(node.provision_state)})\n`);
      return 3;
    }
    io.stdout.write(`${formatTimeline(String(node.name ?? node.uuid), t).join('\n')}\n`);
    return 0;
  } catch (e) {
    const msg = e instanceof BaremetalApiError ? e.message : (e as Error).message;
    io.stderr.write(`ooo node timeline: ${msg}\n`);
    return 1;
  }
}
