// The seed document's "Baremetal with Heat" scenario on lab VMs, with the real `openstack` CLI: a real
// `ooo seed up` (identity, image, network, bare metal, compute, its metadata service, Heat and heat-cfn),
// `ooo lab up`, nodes imported and cleaned, then a HOT stack of OS::Nova::Servers (the partition user image,
// a flavor with an ephemeral disk, SOFTWARE_CONFIG over POLL_SERVER_CFN), each configured by a
// StructuredDeployment whose script writes a value to a file and to the serial console. Inside each guest
// instance-init writes Heat's cfn-init-data, os-collect-config (heat_local, then cfn once os-apply-config
// rendered its [cfn] section) polls heat-cfn at the lab bridge through the lab's forwarding, heat-config runs
// the script and heat-config-notify signals → CREATE_COMPLETE only then. `stack update --existing` with a new
// value re-renders it on the same machines without a reboot (same boot id); a new image rebuilds them in
// place with the ephemeral partition kept; `stack delete --wait` gives the nodes back, available after
// cleaning. One VM by default (CI); OOO_LAB_FULL=1 runs the two-server stack (docs/orchestration.md).

import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { buildDeployRamdisk, buildUserPartitionImage, RAMDISK_CACHE } from '../../src/lab/demo-images.ts';
import {
  archiveSkipReason,
  rootSkipReason,
  SHARED_CACHE,
  toolSkipReason,
} from '../imagebuilder/support/run.ts';
import { netnsUnavailable } from '../network/netns.ts';
import { BAREMETAL_FLAVOR_PROPERTIES } from '../support/baremetal-cli.ts';
import { HOWTO_SERVICES, sshWhenUp, writeLabSeedConfig } from '../support/lab-guest.ts';
import { cliUnavailable, openstack } from '../support/openstack-cli.ts';
import { OOO, type SeedProcess, startSeedProcess } from '../support/seed-process.ts';
import { ipmiSimUnavailable, testCtx } from './ipmi-sim-support.ts';

const FULL = process.env.OOO_LAB_FULL === '1';
// Opt-in: 8–16 minutes more than CI can spend (docs/orchestration.md has the timings of green runs).
const ASKED = FULL || process.env.OOO_LAB_HEAT === '1';
const SERVERS = FULL ? 2 : 1;
const skip =
  (ASKED
    ? undefined
    : 'the lab Heat scenario runs only with OOO_LAB_HEAT=1 (one VM) or OOO_LAB_FULL=1 (two)') ??
  rootSkipReason() ??
  netnsUnavailable() ??
  ipmiSimUnavailable() ??
  cliUnavailable() ??
  toolSkipReason('qemu-system-x86_64', 'qemu-img', 'debootstrap', 'zstd', 'mkfs.ext4', 'ssh', 'ssh-keygen') ??
  (existsSync('/usr/sbin/dnsmasq') ? undefined : 'no dnsmasq') ??
  (existsSync(join(SHARED_CACHE, 'debootstrap')) ? undefined : await archiveSkipReason());

/** What each deployment's script prints (stdout and the serial console) and keeps. */
const SCRIPT = `#!/bin/sh
set -e
mkdir -p /etc/heat-lab
printf '%s\\n' "$value" > /etc/heat-lab/value
mkdir -p /mnt/data
mountpoint -q /mnt/data || mount LABEL=ephemeral0 /mnt/data
[ -f /mnt/data/born ] || cat /proc/sys/kernel/random/boot_id > /mnt/data/born
line="HEAT-LAB server=$deploy_server_id value=$(cat /etc/heat-lab/value) boot=$(cat /proc/sys/kernel/random/boot_id) born=$(cat /mnt/data/born)"
echo "$line" > /dev/ttyS0
echo "$line"
`;

function template(servers: number) {
  const resources: Record<string, unknown> = {
    app_config: {
      type: 'OS::Heat::SoftwareConfig',
      properties: { group: 'script', inputs: [{ name: 'value' }], config: SCRIPT },
    },
  };
  const outputs: Record<string, unknown> = {};
  for (let i = 0; i < servers; i++) {
    resources[`server${i}`] = {
      type: 'OS::Nova::Server',
      properties: {
        name: `heat-lab-${i}`,
        image: { get_param: 'image' },
        flavor: 'heat-lab',
        user_data_format: 'SOFTWARE_CONFIG',
        software_config_transport: 'POLL_SERVER_CFN',
        key_name: 'heat-lab-key',
        image_update_policy: 'REBUILD_PRESERVE_EPHEMERAL',
      },
    };
    resources[`deployment${i}`] = {
      type: 'OS::Heat::StructuredDeployment',
      properties: {
        config: { get_resource: 'app_config' },
        server: { get_resource: `server${i}` },
        input_values: { value: { get_param: 'value' } },
      },
    };
    outputs[`line${i}`] = { value: { get_attr: [`deployment${i}`, 'deploy_stdout'] } };
  }
  return {
    heat_template_version: '2016-10-14',
    description: 'The seed document\'s "Baremetal with Heat": servers configured from the stack\'s metadata',
    parameters: {
      image: { type: 'string', constraints: [{ custom_constraint: 'glance.image' }] },
      value: { type: 'string' },
    },
    resources,
    outputs,
  };
}

function ooo(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; out: string }>((done) => {
    execFile(OOO, args, { timeout: 600_000, env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

interface Line {
  server: string;
  value: string;
  boot: string;
  born: string;
}
const parseLine = (text: string): Line | undefined => {
  const m = /HEAT-LAB server=(\S+) value=(\S*) boot=(\S+) born=(\S+)/.exec(text);
  return m ? { server: m[1]!, value: m[2]!, boot: m[3]!, born: m[4]! } : undefined;
};

describe('Baremetal with Heat in the lab', { skip, timeout: (FULL ? 150 : 100) * 60_000 }, () => {
  let dir = '';
  let stateDir = '';
  let seed: SeedProcess | undefined;
  const images = { deployKernel: '', deployRamdisk: '', userPart: '', builds: [] as string[] };
  let env: Record<string, string> = {};
  const phases: string[] = [];
  /** How many steps passed: each step needs the ones before it. */
  let reached = 0;
  const step = (n: number) => assert.equal(reached, n, 'an earlier step failed');
  const servers = Array.from({ length: SERVERS }, (_, i) => `server${i}`);
  /** server resource → { id, node } at create. */
  const placed = new Map<string, { id: string; node: string; nodeName: string }>();

  const os = async (...args: string[]) => {
    const r = await openstack(env, args, { timeoutMs: 90 * 60_000 });
    assert.equal(
      r.code,
      0,
      `openstack ${args.join(' ')}:\n${r.stdout}\n${r.stderr}\n--- seed ---\n${seed?.output().slice(-2000)}`,
    );
    return r;
  };
  const timed = async <T>(name: string, work: () => Promise<T>) => {
    const t0 = Date.now();
    const out = await work();
    phases.push(`${name}: ${Math.round((Date.now() - t0) / 1000)} s`);
    return out;
  };
  const consoleOf = (nodeName: string) => {
    const f = join(stateDir, 'lab', nodeName, 'console.log');
    return existsSync(f) ? readFileSync(f, 'latin1') : '';
  };
  const lastLine = (text: string) => {
    const lines = text.split('\n').filter((l) => l.includes('HEAT-LAB server='));
    return parseLine(lines.at(-1) ?? '');
  };
  /** The node's next HEAT-LAB console line from a boot other than `boot` (bounded wait). */
  const rebootedLine = async (nodeName: string, boot: string) => {
    for (let i = 0; ; i++) {
      const line = lastLine(consoleOf(nodeName));
      if (line && line.boot !== boot) return line;
      assert.ok(i < 180, `${nodeName}: no HEAT-LAB line from a new boot within 15 min`);
      await new Promise((r) => setTimeout(r, 5000));
    }
  };
  const outputs = async () => {
    const out: Record<string, Line | undefined> = {};
    for (const i of servers.keys()) {
      const o = (await os('stack', 'output', 'show', 'heat-lab', `line${i}`, '-f', 'json')).json<{
        output_value: string;
      }>();
      out[`line${i}`] = parseLine(o.output_value);
    }
    return out;
  };
  const stackStatus = async () =>
    (await os('stack', 'show', 'heat-lab', '-f', 'json')).json<{
      stack_status: string;
      stack_status_reason: string;
    }>();

  /** While a stack operation waits: the guests' agent state over ssh, written to DEBUG_DIR (what a stall leaves). */
  const watchGuests = async (busy: () => boolean) => {
    const debugDir = process.env.OOO_HEAT_LAB_DEBUG;
    if (!debugDir) return;
    mkdirSync(debugDir, { recursive: true });
    const probe = [
      'date -u; systemctl --no-pager status os-collect-config 2>&1 | head -20',
      'journalctl --no-pager -b -u os-collect-config 2>&1 | tail -150',
      'echo --- conf; cat /etc/os-collect-config.conf',
      'echo --- heat-cfntools; ls -la /var/lib/heat-cfntools; head -c 3000 /var/lib/heat-cfntools/cfn-init-data',
      'echo; echo --- occ; ls -laR /var/lib/os-collect-config | head -40',
      'echo --- ps; ps axww | grep -v "\\[" | head -60',
      'echo --- journal; journalctl --no-pager -b -p warning | tail -60',
    ].join('; ');
    let n = 0;
    while (busy()) {
      await new Promise((r) => setTimeout(r, 60_000));
      const list = await openstack(env, ['server', 'list', '-f', 'json']);
      const rows =
        list.code === 0 ? (JSON.parse(list.stdout) as { Status: string; Networks: unknown }[]) : [];
      for (const [i, row] of rows.entries()) {
        const ip = /192\.0\.2\.\d+/.exec(JSON.stringify(row.Networks))?.[0];
        if (row.Status !== 'ACTIVE' || !ip) continue;
        const got = await sshWhenUp(stateDir, ip, join(dir, 'id_ed25519'), probe, 60);
        writeFileSync(
          join(debugDir, `guest${i}-${n}.txt`),
          `${new Date().toISOString()} code=${got.code}\n${got.stdout}\n${got.stderr}`,
        );
      }
      n++;
    }
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ooo-heat-lab-'));
    stateDir = join(dir, 'state');
    mkdirSync(stateDir, { mode: 0o700 });
    await timed('images', async () => {
      const out = join(dir, 'images');
      const deploy = await buildDeployRamdisk(testCtx(), out, () => undefined, {
        ramdisk: RAMDISK_CACHE,
        imagebuilder: SHARED_CACHE,
      });
      const user = await buildUserPartitionImage(testCtx(), out, () => undefined, SHARED_CACHE);
      Object.assign(images, {
        deployKernel: deploy.kernel,
        deployRamdisk: deploy.ramdisk,
        userPart: user.qcow2.replace(/\.qcow2$/, ''),
        builds: [...deploy.builds, ...user.builds].map((b) => `${b.name} ${b.seconds} s (${b.how})`),
      });
    });
    writeLabSeedConfig(stateDir, [...HOWTO_SERVICES, 'orchestration', 'orchestration-cfn']);
    seed = await startSeedProcess(['--state-dir', stateDir]);
    env = { OS_CLIENT_CONFIG_FILE: join(stateDir, 'clouds.yaml'), OS_CLOUD: 'seed' };
  });

  after(async (t) => {
    for (const p of phases) t.diagnostic(p);
    if (reached < 5 && stateDir && existsSync(join(stateDir, 'clouds.yaml'))) {
      // What a failed step leaves to read: the nodes' errors, the seed's warnings, the consoles' ends.
      const nodes = await openstack(env, ['baremetal', 'node', 'list', '--long', '-f', 'json']);
      t.diagnostic(`nodes: ${nodes.stdout.slice(0, 4000)}`);
      const log = join(stateDir, 'logs', 'seed.log');
      if (existsSync(log))
        t.diagnostic(
          `seed log: ${readFileSync(log, 'utf8')
            .split('\n')
            .filter((l) => /"level":(40|50)/.test(l))
            .slice(-30)
            .join('\n')}`,
        );
      for (const n of ['node-0', 'node-1']) t.diagnostic(`${n} console: ${consoleOf(n).slice(-3000)}`);
    }
    if (stateDir) await ooo(['lab', 'down', '--state-dir', stateDir]);
    await seed?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the lab, its nodes cleaned and available; images and flavor', async (t) => {
    step(0);
    t.diagnostic(`images: ${images.builds.join('; ')}`);
    const up = await timed('lab up', () =>
      ooo([
        'lab',
        'up',
        '--state-dir',
        stateDir,
        '--nodes',
        String(SERVERS),
        '--bmc',
        'ipmi',
        '--memory',
        '768',
        '--disk',
        '4',
        '--accel',
        'tcg',
      ]),
    );
    assert.equal(up.code, 0, up.out);
    const nodesFile = join(stateDir, 'lab', 'nodes.json');
    const imported = await ooo(['node', 'import', nodesFile], env);
    assert.equal(imported.code, 0, imported.out);
    const names = (JSON.parse(readFileSync(nodesFile, 'utf8')) as { nodes: { name: string }[] }).nodes.map(
      (n) => n.name,
    );
    await Promise.all(
      names.map((n) =>
        os(
          'baremetal',
          'node',
          'set',
          n,
          '--resource-class',
          'baremetal',
          '--driver-info',
          `deploy_kernel=${images.deployKernel}`,
          '--driver-info',
          `deploy_ramdisk=${images.deployRamdisk}`,
        ),
      ),
    );
    await timed('manage + provide (cleaning)', () =>
      Promise.all(
        names.map(async (n) => {
          await os('baremetal', 'node', 'manage', n, '--wait', '1800');
          await os('baremetal', 'node', 'provide', n, '--wait', '1800');
        }),
      ),
    );
    const kernel = (
      await os(
        'image',
        'create',
        '--public',
        '--disk-format',
        'aki',
        '--container-format',
        'aki',
        '--file',
        `${images.userPart}.vmlinuz`,
        'heat-lab-vmlinuz',
        '-f',
        'json',
      )
    ).json<{ id: string }>().id;
    const ramdisk = (
      await os(
        'image',
        'create',
        '--public',
        '--disk-format',
        'ari',
        '--container-format',
        'ari',
        '--file',
        `${images.userPart}.initrd`,
        'heat-lab-initrd',
        '-f',
        'json',
      )
    ).json<{ id: string }>().id;
    // Two images of the same root filesystem: a stack update from one to the other is an image change.
    for (const name of ['heat-lab-a', 'heat-lab-b'])
      await os(
        'image',
        'create',
        '--public',
        '--disk-format',
        'qcow2',
        '--container-format',
        'bare',
        '--property',
        `kernel_id=${kernel}`,
        '--property',
        `ramdisk_id=${ramdisk}`,
        '--file',
        `${images.userPart}.qcow2`,
        name,
      );
    await os(
      'flavor',
      'create',
      '--ram',
      '768',
      '--disk',
      '2',
      '--ephemeral',
      '1',
      '--vcpus',
      '1',
      ...BAREMETAL_FLAVOR_PROPERTIES,
      'heat-lab',
    );
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id_ed25519')]);
    await os('keypair', 'create', '--public-key', join(dir, 'id_ed25519.pub'), 'heat-lab-key');
    reached = 1;
  });

  test('stack create --wait: CREATE_COMPLETE once every machine ran its config and signalled', async (t) => {
    step(1);
    const file = join(dir, 'heat-lab.yaml');
    writeFileSync(file, stringify(template(SERVERS)));
    let creating = true;
    const watching = watchGuests(() => creating);
    await timed('stack create', () =>
      os(
        'stack',
        'create',
        '-t',
        file,
        '--parameter',
        'image=heat-lab-a',
        '--parameter',
        'value=first',
        '--timeout',
        '80',
        '--wait',
        'heat-lab',
      ),
    ).finally(() => {
      creating = false;
    });
    await watching;
    const st = await stackStatus();
    assert.equal(st.stack_status, 'CREATE_COMPLETE', st.stack_status_reason);
    const out = await outputs();
    for (const [i, r] of servers.entries()) {
      const id = (await os('stack', 'resource', 'show', 'heat-lab', r, '-f', 'json')).json<{
        physical_resource_id: string;
      }>().physical_resource_id;
      const server = (await os('server', 'show', id, '-f', 'json')).json<Record<string, string>>();
      assert.equal(server.status, 'ACTIVE');
      const node = server['OS-EXT-SRV-ATTR:hypervisor_hostname'] as string;
      const nodeName = (
        await os('baremetal', 'node', 'show', node, '-f', 'value', '-c', 'name')
      ).stdout.trim();
      placed.set(r, { id, node, nodeName });
      // The machine's own answer (through heat-cfn) and its serial console agree.
      const line = out[`line${i}`];
      assert.equal(line?.server, id, JSON.stringify(out));
      assert.equal(line?.value, 'first');
      assert.deepEqual(lastLine(consoleOf(nodeName)), line, `${nodeName}'s console`);
      t.diagnostic(`${r}: server ${id} on ${nodeName}`);
    }
    assert.equal(new Set([...placed.values()].map((p) => p.node)).size, SERVERS, 'one node per server');
    reached = 2;
  });

  test('stack update --existing with a new value: re-rendered on the same machines, no rebuild, no reboot', async () => {
    step(2);
    const before = await outputs();
    await timed('update (value)', () =>
      os('stack', 'update', '--existing', '--parameter', 'value=second', '--wait', 'heat-lab'),
    );
    const st = await stackStatus();
    assert.equal(st.stack_status, 'UPDATE_COMPLETE', st.stack_status_reason);
    const out = await outputs();
    for (const [i, r] of servers.entries()) {
      const p = placed.get(r)!;
      assert.equal(
        (await os('stack', 'resource', 'show', 'heat-lab', r, '-f', 'json')).json<{
          physical_resource_id: string;
        }>().physical_resource_id,
        p.id,
      );
      const server = (await os('server', 'show', p.id, '-f', 'json')).json<Record<string, string>>();
      assert.equal(server['OS-EXT-SRV-ATTR:hypervisor_hostname'], p.node);
      const actions = (await os('server', 'event', 'list', p.id, '-f', 'json')).json<{ Action: string }[]>();
      assert.deepEqual(
        actions.map((a) => a.Action),
        ['create'],
      );
      const line = out[`line${i}`]!;
      assert.equal(line.value, 'second');
      assert.equal(line.boot, before[`line${i}`]!.boot, 'the same boot: not rebuilt, not rebooted');
      assert.deepEqual(lastLine(consoleOf(p.nodeName)), line);
    }
    reached = 3;
  });

  test('an image change rebuilds each server in place, the ephemeral partition kept', async () => {
    step(3);
    const before = await outputs();
    await timed('update (image, rebuild)', () =>
      os('stack', 'update', '--existing', '--parameter', 'image=heat-lab-b', '--wait', 'heat-lab'),
    );
    const st = await stackStatus();
    assert.equal(st.stack_status, 'UPDATE_COMPLETE', st.stack_status_reason);
    const imageB = (await os('image', 'show', 'heat-lab-b', '-f', 'json')).json<{ id: string }>().id;
    const out = await outputs();
    for (const [i, r] of servers.entries()) {
      const p = placed.get(r)!;
      assert.equal(
        (await os('stack', 'resource', 'show', 'heat-lab', r, '-f', 'json')).json<{
          physical_resource_id: string;
        }>().physical_resource_id,
        p.id,
        'not replaced',
      );
      const node = (await os('baremetal', 'node', 'show', p.node, '-f', 'json')).json<{
        instance_uuid: string;
        instance_info: Record<string, unknown>;
      }>();
      assert.equal(node.instance_uuid, p.id);
      assert.equal(node.instance_info.image_source, imageB);
      const actions = (await os('server', 'event', 'list', p.id, '-f', 'json')).json<{ Action: string }[]>();
      assert.deepEqual(actions.map((a) => a.Action).sort(), ['create', 'rebuild']);
      // As in Heat, the update is complete once the server is ACTIVE again (the node deployed and told to
      // boot its disk); the deployment itself did not change, so its output keeps the first run's line.
      const was = before[`line${i}`]!;
      assert.deepEqual(out[`line${i}`], was);
      // The rebuilt root has no agent state: os-collect-config finds the deployment in the server's
      // metadata again and runs it on the new boot, with the ephemeral partition's file still there.
      const line = await timed(`${p.nodeName} configured again after the rebuild`, () =>
        rebootedLine(p.nodeName, was.boot),
      );
      assert.equal(line.server, p.id);
      assert.equal(line.born, was.born, 'the file on the ephemeral partition survived the rebuild');
      assert.equal(line.value, 'second');
    }
    reached = 4;
  });

  test('stack delete --wait: the servers go, the nodes come back available after cleaning', async () => {
    step(4);
    await timed('stack delete', () => os('stack', 'delete', '--yes', '--wait', 'heat-lab'));
    const left = await openstack(env, ['stack', 'show', 'heat-lab']);
    assert.notEqual(left.code, 0);
    await timed('nodes cleaned', async () => {
      for (const p of placed.values())
        for (let i = 0; ; i++) {
          const n = (await os('baremetal', 'node', 'show', p.node, '-f', 'json')).json<{
            provision_state: string;
            instance_uuid: string | null;
            last_error: string | null;
          }>();
          if (n.provision_state === 'available') {
            assert.equal(n.instance_uuid, null);
            break;
          }
          assert.ok(
            !['clean failed', 'error'].includes(n.provision_state),
            `${p.nodeName}: ${n.provision_state} ${n.last_error}`,
          );
          assert.ok(i < 600, `${p.nodeName} still ${n.provision_state}`);
          await new Promise((r) => setTimeout(r, 5000));
        }
    });
    reached = 5;
  });
});
