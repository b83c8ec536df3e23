// A bare metal node as compute reads it (hypervisors, scheduling): Ironic's node document reduced to the
// fields compute uses, numbers made numbers (properties may arrive as strings).

export interface BaremetalNode {
  uuid: string;
  name: string | null;
  resourceClass: string | null;
  provisionState: string;
  powerState: string | null;
  maintenance: boolean;
  instanceUuid: string | null;
  cpus: number;
  memoryMb: number;
  localGb: number;
  traits: string[];
  /** properties.capabilities ("k:v,k2:v2") as a map. */
  capabilities: Record<string, string>;
}

const num = (v: unknown) => {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : 0;
};

/** Ironic's capabilities string, "boot_mode:uefi,profile:control" (a dict is accepted too). */
export function parseCapabilities(v: unknown): Record<string, string> {
  if (v && typeof v === 'object' && !Array.isArray(v))
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]));
  if (typeof v !== 'string') return {};
  const out: Record<string, string> = {};
  for (const part of v.split(',')) {
    const at = part.indexOf(':');
    if (at > 0) out[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return out;
}

export function nodeFrom(n: Record<string, unknown>): BaremetalNode {
  const props = (n.properties ?? {}) as Record<string, unknown>;
  return {
    uuid: String(n.uuid),
    name: typeof n.name === 'string' ? n.name : null,
    resourceClass: typeof n.resource_class === 'string' ? n.resource_class : null,
    provisionState: String(n.provision_state ?? 'enroll'),
    powerState: typeof n.power_state === 'string' ? n.power_state : null,
    maintenance: n.maintenance === true,
    instanceUuid: typeof n.instance_uuid === 'string' ? n.instance_uuid : null,
    cpus: num(props.cpus),
    memoryMb: num(props.memory_mb),
    localGb: num(props.local_gb),
    traits: Array.isArray(n.traits) ? n.traits.map(String) : [],
    capabilities: parseCapabilities(props.capabilities),
  };
}
