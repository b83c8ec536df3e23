// The nodes files `ooo node import` reads, turned into node specs for the bare metal API. Two formats:
//  - devtest's nodes JSON (tripleo-incubator's create-nodes, os-cloud-config's register_nodes): entries with
//    pm_type, pm_addr, pm_port, pm_user, pm_password, pm_system_id, mac[], cpu, memory, disk, arch;
//  - Ironic's bulk format (`openstack baremetal create FILE`): entries with driver, driver_info,
//    properties, ports [{address}], and any other node field.
// Either as {"nodes": [...]} or a bare list, in JSON or (a file named *.yaml or *.yml, as Ironic's client
// reads .yaml) YAML the way PyYAML's safe_load reads it. Everything is checked before anything is created.
import { loadYaml, YamlError } from '../../platform/yaml.ts';
import type { Dict } from './node.ts';

export interface NodeSpec {
  /** How the entry is named in messages: its name, else its first MAC, else its position. */
  label: string;
  /** The POST /v1/nodes body. */
  body: Dict;
  /** Port MAC addresses, lower-cased. */
  macs: string[];
}

export class NodesFileError extends Error {}

const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

/** pm_type → hardware type; the era's classic drivers map to what replaced them. */
const PM_TYPES: Record<string, 'ipmi' | 'redfish' | 'fake-hardware'> = {
  pxe_ipmitool: 'ipmi',
  agent_ipmitool: 'ipmi',
  ipmi: 'ipmi',
  redfish: 'redfish',
  pxe_redfish: 'redfish',
  fake: 'fake-hardware',
  'fake-hardware': 'fake-hardware',
  fake_pxe: 'fake-hardware',
};

const REFUSED_PM_TYPES: Record<string, string> = {
  pxe_ssh:
    'pxe_ssh (power through SSH to a virsh host) was removed from Ironic and is not supported: give the machines IPMI or Redfish BMCs (ooo lab makes both) and use pm_type pxe_ipmitool or redfish',
  agent_ssh:
    'agent_ssh (power through SSH) was removed from Ironic and is not supported: use pxe_ipmitool or redfish',
};

/** Whether the file is read as YAML: by its name, as Ironic's `openstack baremetal create` decides. */
export function isYamlName(fileName: string): boolean {
  return /\.ya?ml$/i.test(fileName);
}

function readDoc(text: string, fileName: string): unknown {
  if (isYamlName(fileName)) {
    try {
      return loadYaml(text);
    } catch (e) {
      if (!(e instanceof YamlError)) throw e;
      const at = e.where.line === undefined ? '' : ` at line ${e.where.line}`;
      throw new NodesFileError(`not valid YAML${at}: ${e.where.reason ?? e.message}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new NodesFileError(
      `not JSON (${(e as Error).message}); a YAML nodes file is read when its name ends in .yaml or .yml`,
    );
  }
}

/**
 * Parses the file's text, JSON or YAML by `fileName`: the whole list or {"nodes": [...]}; other
 * top-level keys are refused.
 */
export function parseNodesFile(text: string, fileName = ''): NodeSpec[] {
  const doc = readDoc(text, fileName);
  let entries: unknown;
  if (Array.isArray(doc)) entries = doc;
  else if (doc && typeof doc === 'object') {
    const extra = Object.keys(doc).filter((k) => k !== 'nodes');
    if (extra.length > 0)
      throw new NodesFileError(`unsupported top-level key(s) ${extra.join(', ')}: only "nodes" is read`);
    entries = (doc as Dict).nodes;
  }
  if (!Array.isArray(entries)) throw new NodesFileError('expected {"nodes": [...]} or a list of nodes');
  const specs = entries.map((e, i) => toSpec(e, i));
  const seen = new Map<string, string>();
  const names = new Set<string>();
  for (const s of specs) {
    for (const m of s.macs) {
      const other = seen.get(m);
      if (other !== undefined)
        throw new NodesFileError(`MAC ${m} is listed for both ${other} and ${s.label}`);
      seen.set(m, s.label);
    }
    const name = s.body.name;
    if (typeof name === 'string') {
      if (names.has(name)) throw new NodesFileError(`the name ${name} is used twice`);
      names.add(name);
    }
  }
  return specs;
}

export function toSpec(entry: unknown, index: number): NodeSpec {
  const where = `node ${index + 1}`;
  if (!entry || typeof entry !== 'object' || Array.isArray(entry))
    throw new NodesFileError(`${where}: not an object`);
  const e = entry as Dict;
  const spec = 'pm_type' in e ? fromDevtest(e, where) : 'driver' in e ? fromIronic(e, where) : undefined;
  if (!spec) throw new NodesFileError(`${where}: neither pm_type (devtest) nor driver (Ironic) is given`);
  if (spec.macs.length === 0 && typeof spec.body.name !== 'string')
    throw new NodesFileError(`${where}: give it a MAC or a name, so a second import can recognise it`);
  return spec;
}

function str(e: Dict, key: string, where: string, required = false): string | undefined {
  const v = e[key];
  if (v === undefined || v === null || v === '') {
    if (required) throw new NodesFileError(`${where}: ${key} is required`);
    return undefined;
  }
  if (typeof v !== 'string' && typeof v !== 'number')
    throw new NodesFileError(`${where}: ${key} must be a string`);
  return String(v);
}

function int(e: Dict, key: string, where: string): number | undefined {
  const v = str(e, key, where);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v.trim()))
    throw new NodesFileError(`${where}: ${key} must be a whole number, not "${v}"`);
  return Number(v);
}

function macs(list: unknown, where: string): string[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new NodesFileError(`${where}: mac must be a list`);
  return list.map((m) => {
    const v = typeof m === 'string' ? m.trim().toLowerCase() : '';
    // PyYAML reads an unquoted MAC of digits and colons as a base-60 integer.
    const hint =
      typeof m === 'number' ? ' (in YAML, quote a MAC: unquoted digits and colons are a number)' : '';
    if (!MAC.test(v)) throw new NodesFileError(`${where}: ${JSON.stringify(m)} is not a MAC address${hint}`);
    return v;
  });
}

function fromDevtest(e: Dict, where0: string): NodeSpec {
  const name = str(e, 'name', where0);
  const where = name ? `${where0} (${name})` : where0;
  const pmType = str(e, 'pm_type', where, true) as string;
  if (REFUSED_PM_TYPES[pmType]) throw new NodesFileError(`${where}: ${REFUSED_PM_TYPES[pmType]}`);
  const driver = PM_TYPES[pmType];
  if (!driver)
    throw new NodesFileError(
      `${where}: unknown pm_type "${pmType}" (known: ${Object.keys(PM_TYPES).join(', ')})`,
    );
  const addr = str(e, 'pm_addr', where, driver !== 'fake-hardware');
  const port = int(e, 'pm_port', where);
  const user = str(e, 'pm_user', where);
  const password = str(e, 'pm_password', where);
  const info: Dict = {};
  if (driver === 'ipmi') {
    info.ipmi_address = addr as string;
    if (port !== undefined) info.ipmi_port = port;
    if (user !== undefined) info.ipmi_username = user;
    if (password !== undefined) info.ipmi_password = password;
  } else if (driver === 'redfish') {
    const hasScheme = /^[a-z]+:\/\//i.test(addr as string);
    const hasPort = hasScheme ? /:\d+(\/|$)/.test((addr as string).replace(/^[a-z]+:\/\//i, '')) : false;
    info.redfish_address = hasScheme
      ? hasPort || port === undefined
        ? (addr as string)
        : `${addr}:${port}`
      : `https://${addr}${port !== undefined ? `:${port}` : ''}`;
    const system = str(e, 'pm_system_id', where);
    if (system !== undefined) info.redfish_system_id = system;
    if (user !== undefined) info.redfish_username = user;
    if (password !== undefined) info.redfish_password = password;
  }
  const properties: Dict = {};
  const cpus = int(e, 'cpu', where);
  const memory = int(e, 'memory', where);
  const disk = int(e, 'disk', where);
  const arch = str(e, 'arch', where);
  if (cpus !== undefined) properties.cpus = cpus;
  if (memory !== undefined) properties.memory_mb = memory;
  if (disk !== undefined) properties.local_gb = disk;
  if (arch !== undefined) properties.cpu_arch = arch;
  const caps = str(e, 'capabilities', where);
  if (caps !== undefined) properties.capabilities = caps;
  const m = macs(e.mac, where);
  const body: Dict = { driver, driver_info: info, properties };
  if (name) body.name = name;
  return { label: name ?? m[0] ?? where0, body, macs: m };
}

// Node fields the bulk format may carry besides ports (Ironic's create_resources passes the rest to
// node create; what our API does not know it refuses itself).
function fromIronic(e: Dict, where0: string): NodeSpec {
  const name = str(e, 'name', where0);
  const where = name ? `${where0} (${name})` : where0;
  const { ports, portgroups, ...fields } = e;
  if (portgroups !== undefined)
    throw new NodesFileError(`${where}: portgroups are not read by ooo node import`);
  if (ports !== undefined && !Array.isArray(ports))
    throw new NodesFileError(`${where}: ports must be a list`);
  const m = macs(
    ((ports as Dict[] | undefined) ?? []).map((p) => (p && typeof p === 'object' ? p.address : p)),
    where,
  );
  for (const p of (ports as Dict[] | undefined) ?? [])
    if (Object.keys(p).some((k) => k !== 'address'))
      throw new NodesFileError(`${where}: only a port's address is read (got ${Object.keys(p).join(', ')})`);
  return { label: name ?? m[0] ?? where0, body: fields, macs: m };
}
