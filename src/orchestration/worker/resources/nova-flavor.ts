// OS::Nova::Flavor over the compute client (creating flavors is for admins, as Nova's policy says). The
// extra specs update in place (the bare metal resource class lives there); anything else replaces it.
import type { JsonMap } from '../../model/template-format.ts';
import { isMap } from '../../model/template-format.ts';
import { compute } from './nova-server.ts';
import type { ResourcePlugin } from './plugin.ts';

const TYPE = 'OS::Nova::Flavor';

const specsOf = (props: JsonMap): Record<string, string> =>
  Object.fromEntries(
    Object.entries(isMap(props.extra_specs) ? props.extra_specs : {}).map(([k, v]) => [k, String(v)]),
  );

export const novaFlavorResource: ResourcePlugin = {
  type: TYPE,
  description: 'A flavor of the compute service (admin only).',
  properties: {
    name: { type: 'string', description: 'Name of the flavor (default: stack-resource-random).' },
    flavorid: { type: 'string', description: 'Id of the flavor (default: Nova picks a UUID).' },
    ram: { type: 'integer', required: true, range: { min: 1 }, description: 'Memory in MB.' },
    vcpus: { type: 'integer', required: true, range: { min: 1 }, description: 'Number of VCPUs.' },
    disk: { type: 'integer', default: 0, range: { min: 0 }, description: 'Root disk in GB.' },
    swap: { type: 'integer', default: 0, range: { min: 0 }, description: 'Swap in MB.' },
    ephemeral: { type: 'integer', default: 0, range: { min: 0 }, description: 'Ephemeral disk in GB.' },
    rxtx_factor: { type: 'number', default: 1, description: 'RX/TX factor.' },
    is_public: { type: 'boolean', default: true, description: 'Visible to every project.' },
    extra_specs: { type: 'map', updateAllowed: true, description: 'Key/value pairs of the flavor.' },
  },
  attributes: {
    is_public: 'Whether the flavor is shared across all projects.',
    extra_specs: 'Extra specs of the flavor as a key/value map.',
  },
  async create(rc, props) {
    const { c, auth } = compute(rc, TYPE);
    const name = String(props.name ?? `${rc.stack.name}-${rc.name}-${rc.stack.id.slice(0, 8)}`);
    const { id } = await c.createFlavor(rc.ctx, auth, {
      name,
      ram: Number(props.ram),
      vcpus: Number(props.vcpus),
      disk: Number(props.disk ?? 0),
      swap: Number(props.swap ?? 0),
      'OS-FLV-EXT-DATA:ephemeral': Number(props.ephemeral ?? 0),
      rxtx_factor: Number(props.rxtx_factor ?? 1),
      'os-flavor-access:is_public': props.is_public !== false,
      ...(typeof props.flavorid === 'string' ? { id: props.flavorid } : {}),
    });
    const specs = specsOf(props);
    try {
      if (Object.keys(specs).length > 0) await c.setFlavorExtraSpecs(rc.ctx, auth, id, specs);
    } catch (e) {
      // Nothing half-done: the flavor without its specs goes.
      await c.deleteFlavor(rc.ctx, auth, id).catch(() => undefined);
      throw e;
    }
    return { physicalId: id, attributes: { is_public: props.is_public !== false, extra_specs: specs } };
  },
  async update(rc, props, prev) {
    const { c, auth } = compute(rc, TYPE);
    const id = prev.physicalId as string;
    const specs = specsOf(props);
    await c.setFlavorExtraSpecs(rc.ctx, auth, id, specs);
    return { physicalId: id, attributes: { ...prev.attributes, extra_specs: specs }, data: prev.data };
  },
  async delete(rc, row) {
    if (!row.physicalId) return;
    const { c, auth } = compute(rc, TYPE);
    await c.deleteFlavor(rc.ctx, auth, row.physicalId);
  },
};
