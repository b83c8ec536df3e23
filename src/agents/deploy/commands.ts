// The commands the conductor sends, by IPA's names: "<extension>.<command>". Each is sync (the POST answers
// with the finished result) or async (the POST answers RUNNING; the conductor polls GET /v1/commands/).
import type { AgentCtx } from './ctx.ts';
import type { DownloadRetry } from './download-retry.ts';
import { eraseFull, eraseMetadata } from './erase.ts';
import { type DiskInfo, type Inventory, pickRootDisk } from './hardware.ts';
import { InvalidParams, validateImageInfo } from './image-info.ts';
import { type PartitionUuids, writeImage } from './image-write.ts';
import type { Machine } from './machine.ts';

export const AGENT_VERSION = '10.0.0-tripleo-ts';
export const HARDWARE_MANAGER_VERSION = { generic_hardware_manager: '1.2' };

export interface CommandDef {
  async: boolean;
  /** Checks the params before anything runs (bad ones → HTTP 400, nothing started). */
  validate?(params: Record<string, unknown>): void;
  run(ctx: AgentCtx, params: Record<string, unknown>): Promise<unknown>;
}

export interface AgentState {
  machine: Machine;
  partitionUuids: PartitionUuids | undefined;
  /** What the last image write did to make the disk bootable (see bootloader.ts). */
  bootloader?: string;
  /** Called after the disk was written, for the timeline (bytes, seconds). */
  onImageWritten?(info: { bytes: number; seconds: number; device: string; failedAttempts: string[] }): void;
  /** How a broken image download is retried (the default if not given). */
  downloadRetry?: DownloadRetry;
}

const CLEAN_STEPS = [
  {
    step: 'erase_devices_metadata',
    priority: 99,
    interface: 'deploy',
    reboot_requested: false,
    abortable: true,
  },
  { step: 'erase_devices', priority: 10, interface: 'deploy', reboot_requested: false, abortable: true },
];
const DEPLOY_STEPS = [
  {
    step: 'write_image',
    priority: 0,
    interface: 'deploy',
    reboot_requested: false,
    argsinfo: {
      image_info: { required: true, description: 'the image' },
      configdrive: { required: false, description: 'the config drive' },
    },
  },
];

/** The install disk: root_device hints `name`/`size` (GiB) if given, else IPA's default choice. */
export function chooseDisk(disks: DiskInfo[], node: unknown): DiskInfo {
  const hints = ((node as { properties?: { root_device?: Record<string, unknown> } } | undefined)?.properties
    ?.root_device ?? {}) as Record<string, unknown>;
  let cands = disks;
  if (typeof hints['name'] === 'string') {
    const n = hints['name'].startsWith('/dev/') ? hints['name'] : `/dev/${hints['name']}`;
    cands = cands.filter((d) => d.name === n);
  }
  if (hints['size'] !== undefined)
    cands = cands.filter((d) => Math.floor(d.size / 1024 ** 3) === Number(hints['size']));
  const d = Object.keys(hints).length > 0 ? cands[0] : pickRootDisk(disks);
  if (!d) throw new Error(`no disk matches the root device hints ${JSON.stringify(hints)}`);
  return d;
}

interface Written {
  text: string;
  /** Why earlier download attempts failed (empty when the first went through). */
  failedAttempts: string[];
}

async function writeStep(ctx: AgentCtx, st: AgentState, params: Record<string, unknown>): Promise<Written> {
  const image = validateImageInfo(params['image_info']);
  const inv = await st.machine.inventory();
  const target = chooseDisk(inv.disks, params['node']);
  const dev = await st.machine.openDisk(target.name);
  try {
    const cd = params['configdrive'];
    const r = await writeImage(ctx, st.machine, {
      image,
      configdrive: typeof cd === 'string' && cd ? cd : undefined,
      disk: dev,
      ...(st.downloadRetry ? { retry: st.downloadRetry } : {}),
    });
    st.partitionUuids = r.uuids;
    st.bootloader = r.bootloader;
    st.onImageWritten?.({
      bytes: r.bytesWritten,
      seconds: r.seconds,
      device: r.device,
      failedAttempts: r.failedAttempts,
    });
    const retried = r.attempts > 1 ? ` after ${r.attempts} download attempts` : '';
    return {
      text: `image (${image.id}) written to device ${r.device} root_uuid=${r.uuids['root uuid']}${retried}`,
      failedAttempts: r.failedAttempts,
    };
  } finally {
    await dev.close();
  }
}

async function eachDisk(
  st: AgentState,
  fn: (dev: Awaited<ReturnType<Machine['openDisk']>>) => Promise<void>,
) {
  const inv: Inventory = await st.machine.inventory();
  for (const d of inv.disks) {
    const dev = await st.machine.openDisk(d.name);
    try {
      await fn(dev);
    } finally {
      await dev.close();
    }
  }
}

async function cleanStep(ctx: AgentCtx, st: AgentState, step: Record<string, unknown>): Promise<unknown> {
  const name = step['step'];
  const args = (step['args'] ?? {}) as Record<string, unknown>;
  if (name === 'erase_devices_metadata') {
    await eachDisk(st, async (dev) => {
      const n = await eraseMetadata(dev);
      ctx.log.info(`erase_devices_metadata: ${dev.path}: ${n} bytes zeroed`);
    });
  } else if (name === 'erase_devices') {
    const iterations = Number(args['iterations'] ?? 1);
    const zeroize = args['zeroize'] !== false;
    await eachDisk(st, async (dev) => {
      await eraseFull(dev, { iterations, zeroize, signal: ctx.signal });
      ctx.log.info(`erase_devices: ${dev.path}: ${iterations} random pass(es)${zeroize ? ' + zeros' : ''}`);
    });
  } else throw new InvalidParams(`unknown clean step ${String(name)}`);
  return null;
}

function requireStep(params: Record<string, unknown>): Record<string, unknown> {
  const s = params['step'];
  if (!s || typeof s !== 'object' || typeof (s as Record<string, unknown>)['step'] !== 'string')
    throw new InvalidParams('"step" with a "step" name is required');
  return s as Record<string, unknown>;
}

export function commandTable(st: AgentState): Record<string, CommandDef> {
  return {
    'standby.prepare_image': {
      async: true,
      validate: (p) => void validateImageInfo(p['image_info']),
      run: async (ctx, p) => (await writeStep(ctx, st, p)).text,
    },
    'standby.cache_image': {
      async: true,
      validate: (p) => void validateImageInfo(p['image_info']),
      run: async (ctx, p) => (await writeStep(ctx, st, { ...p, configdrive: undefined })).text,
    },
    'standby.get_partition_uuids': {
      async: false,
      run: async () => {
        if (!st.partitionUuids) throw new Error('no image has been written by this agent');
        return st.partitionUuids;
      },
    },
    'standby.sync': { async: false, run: async () => void (await st.machine.sync()) },
    'standby.power_off': {
      async: true,
      run: async (ctx) => {
        await st.machine.sync();
        ctx.log.info('powering off');
        await st.machine.powerOff();
        return null;
      },
    },
    'deploy.get_deploy_steps': {
      async: false,
      run: async () => ({
        deploy_steps: { GenericHardwareManager: DEPLOY_STEPS },
        hardware_manager_version: HARDWARE_MANAGER_VERSION,
      }),
    },
    'deploy.execute_deploy_step': {
      async: true,
      validate: (p) => {
        const s = requireStep(p);
        if (s['step'] !== 'write_image') throw new InvalidParams(`unknown deploy step ${String(s['step'])}`);
        validateImageInfo((s['args'] as Record<string, unknown> | undefined)?.['image_info']);
      },
      run: async (ctx, p) => {
        const s = requireStep(p);
        const r = await writeStep(ctx, st, {
          ...((s['args'] ?? {}) as Record<string, unknown>),
          node: p['node'],
        });
        // download_failures: our addition, for the conductor's timeline (Ironic ignores unknown keys)
        return {
          deploy_result: { result: r.text, download_failures: r.failedAttempts },
          deploy_step: s,
        };
      },
    },
    'clean.get_clean_steps': {
      async: false,
      run: async () => ({
        clean_steps: { GenericHardwareManager: CLEAN_STEPS },
        hardware_manager_version: HARDWARE_MANAGER_VERSION,
      }),
    },
    'clean.execute_clean_step': {
      async: true,
      validate: (p) => {
        const s = requireStep(p);
        if (!CLEAN_STEPS.some((c) => c.step === s['step']))
          throw new InvalidParams(`unknown clean step ${String(s['step'])}`);
      },
      run: async (ctx, p) => {
        const s = requireStep(p);
        return { clean_result: await cleanStep(ctx, st, s), clean_step: s };
      },
    },
    // our name for what IPA sends to the inspection callback: the inventory, on demand
    'system.get_inventory': {
      async: false,
      run: async () => ({ inventory: await st.machine.inventory() }),
    },
    // GRUB is installed while a BIOS partition image is written; this confirms it (Ironic calls it after
    // write_image for partition images) and refuses what the agent cannot do (UEFI).
    'image.install_bootloader': {
      async: true,
      run: async (_ctx, p) => {
        const mode = String(p['target_boot_mode'] ?? 'bios');
        if (mode === 'bios' && st.bootloader?.startsWith('GRUB'))
          return `${st.bootloader} (installed with the image)`;
        throw new Error(
          `cannot install a boot loader for ${mode}: ${st.bootloader ?? 'no image written by this agent'}; ` +
            'this agent installs GRUB for BIOS partition images only (use whole-disk images for UEFI)',
        );
      },
    },
  };
}
