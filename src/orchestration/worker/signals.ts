// A signal to a resource, whichever API brought it (Heat's resource signal with a token, or a CFN
// pre-signed URL): checked and normalised by the resource's type, kept in heat_signals, and recorded as a
// SIGNAL_COMPLETE event. The resource that waits for it (a wait condition, a deployment) polls the rows.
import { randomUUID } from 'node:crypto';
import { badRequest } from '../../platform/errors/catalogue.ts';
import type { Json, JsonMap } from '../model/template-format.ts';
import type { HeatStore, ResourceRow, StackRow } from '../store/stacks.ts';
import type { PluginRegistry } from './resources/registry.ts';
import { normaliseSignal } from './resources/wait-condition.ts';

export async function recordSignal(
  store: HeatStore,
  registry: PluginRegistry,
  s: StackRow,
  r: ResourceRow,
  body: Json,
): Promise<JsonMap> {
  const plugin = registry.get(r.type);
  if (!plugin?.acceptsSignals) {
    throw badRequest(`Signal resource during ${r.action} is not supported: ${r.type} takes no signals.`, {
      type: 'ResourceActionNotSupported',
    });
  }
  // A deployment takes its signal while it is being created (it has no physical id until it completes).
  if (r.action === 'DELETE' || (r.physicalId === null && r.status !== 'IN_PROGRESS')) {
    throw badRequest(`Signal resource during ${r.action}_${r.status} is not supported.`, {
      type: 'ResourceFailure',
    });
  }
  const count = (await store.signals(s.id, r.name)).length;
  let signal: JsonMap;
  try {
    signal = (plugin.normaliseSignal ?? normaliseSignal)(body ?? {}, count);
  } catch (e) {
    throw badRequest((e as Error).message, { type: 'StackValidationFailed' });
  }
  await store.addSignal(s.id, r.name, signal);
  const status = signal.status ?? (Number(signal.deploy_status_code ?? 0) === 0 ? 'SUCCESS' : 'FAILURE');
  const reason = signal.reason ?? 'Deployment signal';
  await store.addEvent(store.db, {
    id: randomUUID(),
    stackId: s.id,
    rootStackId: s.rootId,
    resourceName: r.name,
    physicalId: r.physicalId ?? '',
    resourceType: r.type,
    action: 'SIGNAL',
    status: 'COMPLETE',
    reason: `Signal: status:${String(status)} reason:${String(reason)}`,
    createdAt: Date.now(),
  });
  return signal;
}
