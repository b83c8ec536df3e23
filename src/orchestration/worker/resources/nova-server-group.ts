// OS::Nova::ServerGroup over the compute client: a group whose policy the scheduler applies to the servers
// that name it (`scheduler_hints: {group: {get_resource: g}}`). `policies` (a one-item list, the pre-2.64
// shape) or `policy` with `rules` (2.64); Nova judges the names and rules. Reference: the group's id.
// Every change replaces it, as in Heat; `stack check` asks Nova for it.
import type { Json } from '../../model/template-format.ts';
import type { ResourcePlugin } from './plugin.ts';
import { compute } from './server-boot.ts';

const TYPE = 'OS::Nova::ServerGroup';
const POLICIES = ['anti-affinity', 'affinity', 'soft-anti-affinity', 'soft-affinity'];

export const novaServerGroupResource: ResourcePlugin = {
  type: TYPE,
  description: 'A group of servers the scheduler places by one policy, through the compute service.',
  properties: {
    name: { type: 'string', description: 'Server Group name.' },
    policies: {
      type: 'list',
      items: { type: 'string', allowedValues: POLICIES },
      description: 'A list of string policies to apply (one item). Defaults to anti-affinity.',
    },
    policy: {
      type: 'string',
      allowedValues: POLICIES,
      description: 'The policy (compute microversion 2.64); instead of policies.',
    },
    rules: {
      type: 'map',
      description: 'Rules of the policy, e.g. {max_server_per_host: 2} with anti-affinity (2.64).',
    },
  },
  attributes: {},
  refId: (row) => (row.physicalId as Json) ?? null,
  async create(rc, props) {
    const { c, auth } = compute(rc, TYPE);
    const name = typeof props.name === 'string' ? props.name : `${rc.stack.name}-${rc.name}`;
    const list = Array.isArray(props.policies) ? props.policies.map(String) : undefined;
    if (list && (props.policy !== undefined || props.rules !== undefined))
      throw new Error('Give either policies, or policy (with rules): not both.');
    const g = await c.createServerGroup(
      rc.ctx,
      auth,
      list
        ? { name, policies: list }
        : props.policy !== undefined || props.rules !== undefined
          ? {
              name,
              policy: String(props.policy ?? 'anti-affinity'),
              ...(props.rules !== undefined ? { rules: props.rules as Record<string, unknown> } : {}),
            }
          : { name, policies: ['anti-affinity'] },
    );
    return { physicalId: g.id, attributes: {} };
  },
  async check(rc, row) {
    const { c, auth } = compute(rc, TYPE);
    await c.getServerGroup(rc.ctx, auth, String(row.physicalId));
  },
  async delete(rc, row) {
    if (!row.physicalId) return;
    const { c, auth } = compute(rc, TYPE);
    await c.deleteServerGroup(rc.ctx, auth, row.physicalId);
  },
};
