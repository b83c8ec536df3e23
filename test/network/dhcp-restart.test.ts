// The service dies (SIGKILL) while its dnsmasq keeps running; the next run of the service, on the same
// database and state directory, replaces the orphan and serves the same answers. The orphan is the dnsmasq
// that has started (a reload sent earlier once killed it: see dnsmasq-supervisor.test.ts).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLab, type Lab, netnsUnavailable, udhcpc, writeUdhcpcScript } from './netns.ts';

const MAC = '52:54:00:0d:4c:02';

// Gone, or a zombie: the orphan's new parent (this container's init) may never reap it.
function exited(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

describe('DHCP survives a crash of the service', { skip: netnsUnavailable() }, () => {
  let lab: Lab;
  let work: string;
  const children: ChildProcess[] = [];

  before(() => {
    lab = createLab('192.0.2.1/24');
    work = mkdtempSync(join(tmpdir(), 'ooo-dhcp-restart-'));
    writeUdhcpcScript(work);
  });

  after(async () => {
    for (const c of children) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      c.stdin?.end();
      await once(c, 'exit');
    }
    // A failing run may leave the orphan behind: stop every dnsmasq that uses this test's directory.
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        if (cmd.includes('dnsmasq') && cmd.includes(work)) process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    lab?.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  const serve = async (): Promise<{ child: ChildProcess; url: string }> => {
    const settings = {
      dhcp: {
        physical_interface_mappings: { provisioning: lab.serverIf },
        command_prefix: ['ip', 'netns', 'exec', lab.serverNs],
        resync_ms: 60_000,
      },
    };
    const child = spawn(
      process.execPath,
      [
        'test/network/fixtures/serve-network.ts',
        join(work, 'db.sqlite'),
        join(work, 'state'),
        JSON.stringify(settings),
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
    });
    while (!/listening \d+/.test(out)) await once(child.stdout!, 'data');
    return { child, url: `http://127.0.0.1:${/listening (\d+)/.exec(out)![1]}` };
  };
  const api = async (url: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method,
      headers: { 'x-auth-token': 'admin', 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: JSON replies are read freely
    return { status: res.status, body: (await res.json()) as any };
  };
  const runningPid = async (url: string, networkId: string, not?: number) => {
    for (let i = 0; i < 200; i++) {
      const s = (await api(url, 'GET', `/v2.0/networks/${networkId}/dhcp-agents`)).body.agents[0]
        ?.configurations;
      if (s?.state === 'running' && s.pid && s.pid !== not) return s.pid as number;
      await sleep(50);
    }
    assert.fail('dnsmasq did not come up');
  };

  test('a new run replaces the orphaned dnsmasq and serves the port', async () => {
    const first = await serve();
    const n = await api(first.url, 'POST', '/v2.0/networks', {
      network: {
        name: 'ctlplane',
        'provider:network_type': 'flat',
        'provider:physical_network': 'provisioning',
      },
    });
    const networkId = n.body.network.id;
    await api(first.url, 'POST', '/v2.0/subnets', {
      subnet: { network_id: networkId, ip_version: 4, cidr: '192.0.2.0/24', gateway_ip: '192.0.2.1' },
    });
    const p = await api(first.url, 'POST', '/v2.0/ports', {
      port: { network_id: networkId, mac_address: MAC, fixed_ips: [{ ip_address: '192.0.2.40' }] },
    });
    assert.equal(p.status, 201);
    const orphan = await runningPid(first.url, networkId);
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    assert.doesNotThrow(() => process.kill(orphan, 0), 'the orphan dnsmasq should still be running');

    const second = await serve();
    const pid = await runningPid(second.url, networkId, orphan);
    assert.notEqual(pid, orphan);
    assert.ok(exited(orphan), 'the orphan was not stopped');
    lab.setClientMac(MAC);
    const lease = await udhcpc(lab, work);
    assert.equal(lease?.ip, '192.0.2.40');
  });
});
