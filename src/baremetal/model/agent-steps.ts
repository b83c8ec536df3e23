// Pure parts of the direct deploy, cleaning and inspection through the agent: which clean steps run and in
// what order, the image_info the agent's write_image gets, and what an inventory sets on the node.
import type { Dict } from './node.ts';

export interface CleanStep {
  step: string;
  interface: string;
  priority: number;
  args: Dict;
  abortable?: boolean;
}

/**
 * Automated cleaning: the agent's steps with priority > 0, highest first. erase_devices (full erase) runs
 * only when `eraseDevices` is set; erase_devices_metadata always keeps the agent's priority.
 * Manual cleaning: the steps the operator asked for, in the order given, each of which the agent must offer.
 */
export function planCleanSteps(
  offered: Dict,
  manual: Dict[] | null,
  eraseDevices: boolean,
): { ok: true; steps: CleanStep[] } | { ok: false; reason: string } {
  const all: CleanStep[] = [];
  for (const list of Object.values((offered.clean_steps ?? {}) as Record<string, Dict[]>))
    for (const s of list)
      all.push({
        step: String(s.step),
        interface: String(s.interface ?? 'deploy'),
        priority: Number(s.priority ?? 0),
        args: {},
        ...(s.abortable === undefined ? {} : { abortable: s.abortable === true }),
      });
  if (manual) {
    const steps: CleanStep[] = [];
    for (const m of manual) {
      const found = all.find((s) => s.step === m.step && s.interface === m.interface);
      if (!found)
        return { ok: false, reason: `The agent does not offer the clean step ${m.interface}.${m.step}.` };
      steps.push({ ...found, args: (m.args ?? {}) as Dict });
    }
    return { ok: true, steps };
  }
  const steps = all
    .map((s) => (s.step === 'erase_devices' && !eraseDevices ? { ...s, priority: 0 } : s))
    .filter((s) => s.priority > 0)
    .sort((a, b) => b.priority - a.priority);
  return { ok: true, steps };
}

export interface ImageFacts {
  id: string;
  disk_format: string | null;
  container_format: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  status: string;
  kernel_id?: unknown;
  ramdisk_id?: unknown;
  owner?: unknown;
  visibility?: unknown;
}

/**
 * Whether a node may be deployed with an image (Ironic's image ownership check): public and community
 * images always; otherwise the image must belong to the project the instance is for
 * (`instance_info.project_id`, which the compute service sets), the node's owner or lessee, or this
 * service's own project. The bare metal service's user can read every image (the image service's reads
 * for the `service` role), so this is what keeps one project's private image off another's machine.
 */
export function imageRefusal(
  image: ImageFacts,
  node: { instance_info: Dict; owner?: string | null; lessee?: string | null },
  ownProject: string | undefined,
): string | undefined {
  if (image.visibility === 'public' || image.visibility === 'community') return undefined;
  const projects = [node.instance_info.project_id, node.owner, node.lessee, ownProject];
  if (typeof image.owner === 'string' && projects.includes(image.owner)) return undefined;
  const forWhom = node.instance_info.project_id
    ? `project ${String(node.instance_info.project_id)}`
    : 'no project';
  return `Image ${image.id} is ${String(image.visibility)} to project ${String(image.owner)}; the deploy is for ${forWhom}.`;
}

/** Ironic's image_info for write_image; `url` and `headers` give the agent the image service's data. */
export function buildImageInfo(
  nodeUuid: string,
  instanceInfo: Dict,
  image: ImageFacts,
  url: string,
  headers: Record<string, string>,
): { ok: true; info: Dict } | { ok: false; reason: string } {
  if (image.status !== 'active')
    return {
      ok: false,
      reason: `Image ${image.id} is ${image.status}, not active: it has no data to deploy.`,
    };
  if (!image.os_hash_algo || !image.os_hash_value)
    return { ok: false, reason: `Image ${image.id} has no os_hash_algo/os_hash_value to verify it against.` };
  if (image.disk_format !== 'raw' && image.disk_format !== 'qcow2')
    return {
      ok: false,
      reason: `Image ${image.id} has disk_format ${image.disk_format}; raw or qcow2 only.`,
    };
  const info: Dict = {
    id: image.id,
    urls: [url],
    disk_format: image.disk_format,
    container_format: image.container_format ?? 'bare',
    os_hash_algo: image.os_hash_algo,
    os_hash_value: image.os_hash_value,
    stream_raw_images: true,
    node_uuid: nodeUuid,
    image_request_headers: headers,
  };
  const partition =
    instanceInfo.image_type === 'partition' ||
    (instanceInfo.image_type === undefined && (image.kernel_id || image.ramdisk_id));
  if (!partition) return { ok: true, info };
  const rootGb = Number(instanceInfo.root_gb);
  if (!(rootGb > 0)) return { ok: false, reason: 'A partition image needs instance_info.root_gb.' };
  Object.assign(info, {
    image_type: 'partition',
    root_gb: rootGb,
    root_mb: rootGb * 1024,
    swap_mb: Number(instanceInfo.swap_mb ?? 0),
    ephemeral_mb: Number(instanceInfo.ephemeral_gb ?? 0) * 1024,
    ephemeral_format: instanceInfo.ephemeral_format ?? 'ext4',
    // `node set --instance-info preserve_ephemeral=true` stores the string.
    preserve_ephemeral: [true, 'true', 'True', '1', 'yes'].includes(instanceInfo.preserve_ephemeral as never),
    deploy_boot_mode: instanceInfo.deploy_boot_mode ?? 'bios',
    boot_option: 'local',
  });
  return { ok: true, info };
}

const GIB = 1024 ** 3;

/** What an agent's inventory sets on the node (Ironic's cpus, memory, root-device, architecture hooks). */
export function propertiesFromInventory(inv: Dict, rootDisk: string | undefined): Dict {
  const cpu = (inv.cpu ?? {}) as Dict;
  const mem = (inv.memory ?? {}) as Dict;
  const disks = (inv.disks ?? []) as Dict[];
  // The agent's own choice when not told: the smallest disk of at least 4 GiB, else the first.
  const big = disks
    .filter((d) => typeof d.size === 'number' && d.size >= 4 * GIB)
    .sort((a, b) => Number(a.size) - Number(b.size));
  const root = disks.find((d) => d.name === rootDisk) ?? big[0] ?? disks[0];
  const props: Dict = {};
  if (typeof cpu.count === 'number') props.cpus = cpu.count;
  if (typeof cpu.architecture === 'string') props.cpu_arch = cpu.architecture;
  if (typeof mem.physical_mb === 'number') props.memory_mb = mem.physical_mb;
  else if (typeof mem.total === 'number') props.memory_mb = Math.floor(mem.total / 1024 / 1024);
  if (root && typeof root.size === 'number') props.local_gb = Math.floor(root.size / GIB);
  return props;
}

/** The MACs of the inventory's NICs, lower case. */
export function inventoryMacs(inv: Dict): string[] {
  return ((inv.interfaces ?? []) as Dict[])
    .map((i) => i.mac_address)
    .filter((m): m is string => typeof m === 'string' && m !== '')
    .map((m) => m.toLowerCase());
}
