// Our Redfish BMC emulator, judged by Debian's python3-sushy (the client Ironic uses) and by raw HTTP.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RedfishBmc } from '../../src/lab/redfish-bmc/server.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import { FakeMachine } from './fake-machine.ts';

const PY = '/usr/bin/python3';
const sushyMissing = () => {
  if (!existsSync(PY)) return 'no /usr/bin/python3';
  if (!existsSync('/usr/lib/python3/dist-packages/sushy')) return 'no python3-sushy (Debian package)';
  return undefined;
};
const SCRIPT = join(import.meta.dirname, 'fixtures', 'sushy-drive.py');

function sushy(base: string, user: string, pw: string, auth: string, ...steps: string[]) {
  return new Promise<{ code: number; lines: Record<string, unknown>[]; stderr: string }>((resolve) => {
    execFile(PY, [SCRIPT, base, user, pw, auth, ...steps], { timeout: 60_000 }, (err, stdout, stderr) => {
      const lines = stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, lines, stderr });
    });
  });
}

describe('Redfish BMC emulator', () => {
  const machine = new FakeMachine('node-0');
  const bmc = new RedfishBmc({
    systems: [{ machine, cpus: 1, memoryMiB: 512 }],
    username: 'bmcadmin',
    password: 'p4ss-w0rd',
    log: silentLogger(),
  });
  let base = '';
  before(async () => {
    base = `http://127.0.0.1:${await bmc.listen('127.0.0.1', 0)}`;
  });
  after(() => bmc.close());

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers });
  const basic = { Authorization: `Basic ${Buffer.from('bmcadmin:p4ss-w0rd').toString('base64')}` };

  describe('with sushy', { skip: sushyMissing() }, () => {
    test('session auth: power on, boot Pxe once, read back', async () => {
      const r = await sushy(base, 'bmcadmin', 'p4ss-w0rd', 'session', 'power:On', 'boot:Pxe:Once', 'show');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.lines.at(-1), {
        power: 'On',
        target: 'Pxe',
        enabled: 'Once',
        id: machine.uuid,
        session: true,
      });
      assert.equal(machine.power, 'on');
      assert.deepEqual(machine.boot, { device: 'pxe', persistent: false });
    });

    test('basic auth: Hdd continuous, force restart, force off', async () => {
      const r = await sushy(
        base,
        'bmcadmin',
        'p4ss-w0rd',
        'basic',
        'boot:Hdd:Continuous',
        'power:ForceRestart',
        'power:ForceOff',
        'show',
        'managers',
      );
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(machine.boot, { device: 'disk', persistent: true });
      assert.deepEqual(machine.calls.slice(-3), ['boot disk persistent', 'reset', 'off']);
      assert.equal(r.lines.at(-2)?.power, 'Off');
      assert.deepEqual(r.lines.at(-1), { managers: [machine.uuid], type: 'BMC' });
    });

    test('graceful shutdown and the power button reach the machine', async () => {
      const r = await sushy(
        base,
        'bmcadmin',
        'p4ss-w0rd',
        'auto',
        'power:PushPowerButton',
        'power:GracefulShutdown',
      );
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(machine.calls.slice(-2), ['on', 'shutdown']);
    });

    for (const auth of ['session', 'basic'])
      test(`wrong credentials are refused with 401 (${auth})`, async () => {
        const before = machine.calls.length;
        const r = await sushy(base, 'bmcadmin', 'nope', auth, 'power:On');
        assert.equal(r.code, 3, r.stderr);
        assert.deepEqual(r.lines.at(-1), { error: 'AccessError', status: 401 });
        assert.equal(machine.calls.length, before, 'nothing reached the machine');
      });
  });

  test('the service root is public; everything else needs auth', async () => {
    const root = await get('/redfish/v1/');
    assert.equal(root.status, 200);
    const body = (await root.json()) as Record<string, unknown>;
    assert.equal(body.RedfishVersion, '1.5.0');
    const denied = await get('/redfish/v1/Systems');
    assert.equal(denied.status, 401);
    assert.match(denied.headers.get('www-authenticate') ?? '', /Basic/);
    const err = (await denied.json()) as { error: { code: string } };
    assert.equal(err.error.code, 'Base.1.8.NoValidSession');
    assert.equal((await get('/redfish/v1/Systems', basic)).status, 200);
  });

  test('sessions: created with a token and a Location, deleted, then refused', async () => {
    const made = await fetch(`${base}/redfish/v1/SessionService/Sessions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ UserName: 'bmcadmin', Password: 'p4ss-w0rd' }),
    });
    assert.equal(made.status, 201);
    const token = made.headers.get('x-auth-token')!;
    const location = made.headers.get('location')!;
    assert.ok(token && location.startsWith('/redfish/v1/SessionService/Sessions/'));
    assert.equal((await get('/redfish/v1/Systems', { 'X-Auth-Token': token })).status, 200);
    const del = await fetch(`${base}${location}`, { method: 'DELETE', headers: { 'X-Auth-Token': token } });
    assert.equal(del.status, 204);
    assert.equal((await get('/redfish/v1/Systems', { 'X-Auth-Token': token })).status, 401);
  });

  test('bad requests get 400 and change nothing', async () => {
    const sys = `/redfish/v1/Systems/${machine.uuid}`;
    const before = { ...machine.boot };
    const calls = machine.calls.length;
    const send = (method: string, path: string, body: string) =>
      fetch(`${base}${path}`, { method, headers: { ...basic, 'Content-Type': 'application/json' }, body });
    for (const body of [
      '{"Boot":{"BootSourceOverrideTarget":"Floppy"}}',
      '{"Boot":{"BootSourceOverrideEnabled":"Sometimes"}}',
      '{"Boot":{"BootSourceOverrideMode":"UEFI"}}',
      '{"IndicatorLED":"Lit"}',
      '{not json',
    ])
      assert.equal((await send('PATCH', sys, body)).status, 400, body);
    for (const body of ['{"ResetType":"Nmi"}', '{}'])
      assert.equal((await send('POST', `${sys}/Actions/ComputerSystem.Reset`, body)).status, 400, body);
    assert.deepEqual(machine.boot, before);
    assert.equal(machine.calls.length, calls);
    assert.equal((await get('/redfish/v1/Systems/nope', basic)).status, 404);
  });

  test('a target without Enabled on a disabled override means the next boot; None disables', async () => {
    const sys = `${base}/redfish/v1/Systems/${machine.uuid}`;
    const patch = (boot: unknown) =>
      fetch(sys, {
        method: 'PATCH',
        headers: { ...basic, 'Content-Type': 'application/json' },
        body: JSON.stringify({ Boot: boot }),
      });
    assert.equal((await patch({ BootSourceOverrideTarget: 'None' })).status, 204);
    assert.deepEqual(machine.boot, { device: undefined, persistent: false });
    assert.equal((await patch({ BootSourceOverrideTarget: 'Pxe' })).status, 204);
    assert.deepEqual(machine.boot, { device: 'pxe', persistent: false });
    const view = (await (await get(`/redfish/v1/Systems/${machine.uuid}`, basic)).json()) as {
      Boot: Record<string, string>;
    };
    assert.equal(view.Boot.BootSourceOverrideEnabled, 'Once');
  });
});
