// OS::Heat::SoftwareDeployment and OS::Heat::StructuredDeployment: a config delivered to a server. Each
// deployment stores a derived config (the source config with its inputs given values, and the deploy_*
// inputs that tell the machine how to answer) and a heat_deployments row; the server's metadata lists it
// (delivered-metadata.ts), the machine applies it and signals back, and the resource completes on that
// signal: deploy_status_code non-zero → FAILED with the status code and deploy_stderr in the reason.
// CFN_SIGNAL answers on a pre-signed CFN URL; HEAT_SIGNAL on Heat's resource signal API (a token of the
// stack's project; no stack-domain user is minted); NO_SIGNAL completes at once.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PropsSchema } from '../../model/properties.ts';
import { isMap, type Json, type JsonMap } from '../../model/template-format.ts';
import { CredentialStore } from '../../store/credentials.ts';
import type { DeploymentRow } from '../../store/deployments.ts';
import type { ResourceRow } from '../../store/stacks.ts';
import { presignedUrl } from '../cfn-urls.ts';
import type { Outcome, ResourceContext, ResourcePlugin } from './plugin.ts';

// DELETE, SUSPEND and RESUME deliveries are not built: refused by the schema.
const ACTIONS = ['CREATE', 'UPDATE'];
const TRANSPORTS = ['CFN_SIGNAL', 'HEAT_SIGNAL', 'NO_SIGNAL'];

const SCHEMA: PropsSchema = {
  config: {
    type: 'string',
    updateAllowed: true,
    description: 'ID of software configuration resource to execute when applying to the server.',
  },
  server: { type: 'string', required: true, description: 'ID of resource to apply configuration to.' },
  input_values: {
    type: 'map',
    default: {},
    updateAllowed: true,
    description: 'Input values to apply to the software configuration on this server.',
  },
  actions: {
    type: 'list',
    default: ['CREATE', 'UPDATE'],
    updateAllowed: true,
    items: { type: 'string', allowedValues: ACTIONS },
    description:
      'Which lifecycle actions of the deployment resource will result in this deployment being triggered.',
  },
  name: { type: 'string', description: 'Name of the derived config associated with this deployment.' },
  signal_transport: {
    type: 'string',
    default: 'CFN_SIGNAL',
    allowedValues: TRANSPORTS,
    description:
      'How the server should signal to heat with the deployment output values (TEMP_URL_SIGNAL and ZAQAR_SIGNAL are not available here).',
  },
};

const STRUCTURED_SCHEMA: PropsSchema = {
  ...SCHEMA,
  input_key: {
    type: 'string',
    default: 'get_input',
    description: 'Name of key to use for substituting inputs during deployment.',
  },
  input_values_validate: {
    type: 'string',
    default: 'LAX',
    allowedValues: ['LAX', 'STRICT'],
    description:
      'Perform a check on the input values passed to verify that each required input has a corresponding value.',
  },
};

const OUTPUTS = ['deploy_stdout', 'deploy_stderr', 'deploy_status_code'];

/** A deployment signal body: kept whole (its outputs); its status code must be a number if present. */
export function normaliseDeploymentSignal(body: Json): JsonMap {
  const b = isMap(body) ? body : {};
  const code = b.deploy_status_code;
  if (code !== undefined && code !== null && Number.isNaN(Number(code)))
    throw new Error(`deploy_status_code must be a number, not ${JSON.stringify(code)}.`);
  return { ...b };
}

/** Replaces every {<input_key>: name} in a structured config by the input's value (unknown → null). */
export function substituteInputs(v: Json, key: string, values: JsonMap): Json {
  if (Array.isArray(v)) return v.map((x) => substituteInputs(x, key, values));
  if (!isMap(v)) return v;
  const keys = Object.keys(v);
  if (keys.length === 1 && keys[0] === key && typeof v[key] === 'string')
    return values[v[key] as string] ?? null;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substituteInputs(x, key, values)]));
}

/** The reason a deployment failed, from its signal, or undefined when it succeeded. */
export function failureOf(signal: JsonMap, outputs: Json[]): string | undefined {
  const reasons: string[] = [];
  for (const o of outputs) {
    if (!isMap(o) || o.error_output !== true) continue;
    const v = signal[String(o.name)];
    if (v !== undefined && v !== null && v !== '') reasons.push(`${String(o.name)} : ${String(v)}`);
  }
  // The era's 99-refresh-completed answers with a CFN wait-condition body instead.
  if (signal.Status === 'FAILURE') reasons.push(`Status : FAILURE, Reason : ${String(signal.Reason ?? '')}`);
  const code = Number(signal.deploy_status_code ?? 0);
  if (code !== 0) {
    reasons.push(`deploy_status_code : Deployment exited with non-zero status code: ${code}`);
    const err = String(signal.deploy_stderr ?? '').trim();
    if (err) reasons.push(`deploy_stderr : ${err.length > 2000 ? `...${err.slice(-2000)}` : err}`);
  }
  return reasons.length ? `Deployment to server failed: ${reasons.join(', ')}` : undefined;
}

/** The access key of a deployment's pre-signed signal URL, from its derived config's inputs. */
function signalKeyOf(inputs: Json[]): string | undefined {
  const url = inputs.filter(isMap).find((i) => i.name === 'deploy_signal_id')?.value;
  return CredentialStore.keyOfUrl(url);
}

/** A derived config no deployment uses any more, and the signal key it carried. */
async function forget(rc: ResourceContext, configId: string): Promise<void> {
  const c = await rc.store.config(configId);
  if (c) await rc.store.credentials.revoke(signalKeyOf(c.inputs));
  await rc.store.deleteConfig(rc.store.db, configId);
}

function deploymentPlugin(type: string, structured: boolean): ResourcePlugin {
  const apply = async (
    rc: ResourceContext,
    props: JsonMap,
    action: string,
    prev?: ResourceRow,
  ): Promise<Outcome> => {
    const id = prev?.physicalId ?? randomUUID();
    const actions = (props.actions as string[] | undefined) ?? ['CREATE', 'UPDATE'];
    const transport = String(props.signal_transport ?? 'CFN_SIGNAL');
    const server = String(props.server);
    if (!actions.includes(action)) {
      return { physicalId: id, attributes: prev?.attributes ?? {}, data: prev?.data ?? {} };
    }
    const source = props.config ? await rc.store.config(String(props.config)) : undefined;
    if (props.config && (!source || source.projectId !== rc.stack.projectId))
      throw new Error(`Software config ${String(props.config)} could not be found.`);
    const given = isMap(props.input_values) ? props.input_values : {};
    const declared = (source?.inputs ?? []).filter(isMap);
    if (structured && props.input_values_validate === 'STRICT') {
      const missing = declared
        .filter((i) => !(String(i.name) in given) && i.default === undefined)
        .map((i) => i.name);
      if (missing.length) throw new Error(`Missing input values: ${missing.join(', ')}`);
    }
    const inputs: JsonMap[] = declared.map((i) => ({
      ...i,
      value: String(i.name) in given ? (given[String(i.name)] as Json) : (i.default ?? null),
    }));
    for (const [k, v] of Object.entries(given))
      if (!declared.some((i) => i.name === k)) inputs.push({ name: k, type: 'String', value: v });
    const deployInputs: [string, string, Json][] = [
      ['deploy_server_id', 'ID of the server being deployed to', server],
      ['deploy_action', 'Name of the current action being deployed', action],
      ['deploy_stack_id', 'ID of the stack this deployment belongs to', `${rc.stack.name}/${rc.stack.id}`],
      ['deploy_resource_name', 'Name of this deployment resource in the stack', rc.name],
      [
        'deploy_signal_transport',
        'How the server should signal to heat with the deployment output values.',
        transport,
      ],
    ];
    if (transport === 'CFN_SIGNAL') {
      deployInputs.push([
        'deploy_signal_id',
        'ID of signal to use for signaling output values',
        await presignedUrl(rc, 'signal'),
      ]);
      deployInputs.push(['deploy_signal_verb', 'HTTP verb to use for signaling outputvalues', 'POST']);
    } else if (transport === 'HEAT_SIGNAL') {
      deployInputs.push(['deploy_project_id', 'ID of project for API authentication', rc.stack.projectId]);
    }
    for (const [name, description, value] of deployInputs)
      inputs.push({ name, description, type: 'String', value });
    const values = Object.fromEntries(inputs.map((i) => [String(i.name), i.value as Json]));
    let configText = source?.config ?? '';
    if (structured) {
      let doc: Json = {};
      try {
        doc = JSON.parse(configText || '{}') as Json;
      } catch {
        doc = configText;
      }
      // A script (not a structure) is delivered as it is, as Heat's parse() returns a plain string.
      if (typeof doc !== 'string')
        configText = JSON.stringify(substituteInputs(doc, String(props.input_key ?? 'get_input'), values));
    }
    const derivedId = randomUUID();
    await rc.store.insertConfig(rc.store.db, {
      id: derivedId,
      projectId: rc.stack.projectId,
      name: String(props.name ?? source?.name ?? `${rc.stack.name}-${rc.name}`),
      group: source?.group ?? 'Heat::Ungrouped',
      config: configText,
      inputs,
      outputs: source?.outputs ?? [],
      options: source?.options ?? {},
      createdAt: Date.now(),
    });
    const old = prev?.physicalId ? await rc.store.deployments.get(prev.physicalId) : undefined;
    const row: DeploymentRow = {
      id,
      projectId: rc.stack.projectId,
      serverId: server,
      configId: derivedId,
      action,
      status: transport === 'NO_SIGNAL' ? 'COMPLETE' : 'IN_PROGRESS',
      statusReason: transport === 'NO_SIGNAL' ? 'Not waiting for outputs signal' : 'Deploy data available',
      inputValues: given,
      outputValues: {},
      stackId: rc.stack.id,
      resourceName: rc.name,
      createdAt: old?.createdAt ?? Date.now(),
      updatedAt: Date.now(),
    };
    // Signals from before this action answered an earlier one; those since it went IN_PROGRESS are its own,
    // even one that beat this delivery (counting them now instead left the deployment waiting forever).
    const seen = rc.signalsBefore ?? (await rc.store.signals(rc.stack.id, rc.name)).length;
    await rc.store.deployments.save(row);
    if (old && old.configId !== derivedId) await forget(rc, old.configId);
    if (transport === 'NO_SIGNAL') return { physicalId: id, attributes: {} };
    for (;;) {
      const signals = await rc.store.signals(rc.stack.id, rc.name);
      const signal = signals[seen];
      if (signal) {
        const outputs = Object.fromEntries(
          [...OUTPUTS, ...(source?.outputs ?? []).filter(isMap).map((o) => String(o.name))].map((k) => [
            k,
            signal[k] ?? null,
          ]),
        );
        const failed = failureOf(signal, source?.outputs ?? []);
        await rc.store.deployments.save({
          ...row,
          status: failed ? 'FAILED' : 'COMPLETE',
          statusReason: failed ?? 'Outputs received',
          outputValues: outputs,
          updatedAt: Date.now(),
        });
        // A failed deployment takes no more signals: its URL's key goes now.
        if (failed) {
          await rc.store.credentials.revoke(signalKeyOf(inputs));
          throw new Error(failed);
        }
        return { physicalId: id, attributes: outputs };
      }
      await sleep(200, undefined, { signal: rc.signal });
    }
  };
  return {
    type,
    description: structured
      ? 'A deployment of a structured config (get_input substituted) to a server.'
      : 'A deployment of a software config to a server; completes when the server signals its outputs.',
    properties: structured ? STRUCTURED_SCHEMA : SCHEMA,
    attributes: {
      deploy_stdout: 'Captured stdout from the configuration execution.',
      deploy_stderr: 'Captured stderr from the configuration execution.',
      deploy_status_code: 'Returned status code from the configuration execution.',
    },
    anyAttribute: true,
    acceptsSignals: true,
    normaliseSignal: normaliseDeploymentSignal,
    create: (rc, props) => apply(rc, props, 'CREATE'),
    update: (rc, props, prev) => apply(rc, props, 'UPDATE', prev),
    needsReplace: (props, prev) => props.server !== prev.properties.server,
    attribute: (row, name) => (row.attributes[name] as Json) ?? null,
    async delete(rc, row) {
      // A row whose create failed has no physical id: its deployment is the unfinished one of the
      // resource (a replacement made after it is COMPLETE and stays).
      const mine = row.physicalId
        ? [await rc.store.deployments.get(row.physicalId)]
        : (await rc.store.deployments.ofResource(rc.stack.id, row.name)).filter(
            (d) => d.status !== 'COMPLETE',
          );
      for (const d of mine) {
        if (!d) continue;
        await rc.store.deployments.delete(d.id);
        await forget(rc, d.configId);
      }
      if (row.physicalId) await rc.store.deleteSignals(rc.stack.id, row.name);
    },
  };
}

export const softwareDeploymentResource = deploymentPlugin('OS::Heat::SoftwareDeployment', false);
export const structuredDeploymentResource = deploymentPlugin('OS::Heat::StructuredDeployment', true);
