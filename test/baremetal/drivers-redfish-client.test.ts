// The Redfish client against our Redfish BMC emulator on 127.0.0.1 (a fake machine behind it).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RedfishClient, redfishErrorMessage } from '../../src/baremetal/drivers/redfish-client.ts';
import { RedfishBmc } from '../../src/lab/redfish-bmc/server.ts';
import { isAppError } from '../../src/platform/errors/catalogue.ts';
import { silentLogger } from '../../src/platform/log/logger.ts';
import { FakeMachine } from '../lab/fake-machine.ts';
import { testCtx } from '../lab/ipmi-sim-support.ts';

describe('RedfishClient against the lab BMC', () => {
  const machine = new FakeMachine('node-0');
  const bmc = new RedfishBmc({
    systems: [{ machine, cpus: 2, memoryMiB: 1024 }],
    username: 'admin',
    password: 'hunter22',
    log: silentLogger(),
  });
  let address = '';
  before(async () => {
    address = `http://127.0.0.1:${await bmc.listen('127.0.0.1', 0)}`;
  });
  after(() => bmc.close());
  const ctx = () => testCtx();
  const client = (o: Partial<ConstructorParameters<typeof RedfishClient>[0]> = {}) =>
    new RedfishClient({ address, username: 'admin', password: 'hunter22', ...o });

  test('discovers the one system and reads it', async () => {
    const s = await client().getSystem(ctx());
    assert.equal(s.path, `/redfish/v1/Systems/${machine.uuid}`);
    assert.equal(s.id, machine.uuid);
    assert.equal(s.name, 'node-0');
    assert.equal(s.powerState, 'Off');
    assert.deepEqual(s.boot.allowedTargets, ['None', 'Pxe', 'Hdd']);
    assert.ok(s.resetTypes?.includes('ForceOff'));
  });

  for (const authType of ['session', 'basic', 'auto'] as const)
    test(`power on/off and boot override (${authType} auth)`, async () => {
      const c = client({ authType, systemId: `/redfish/v1/Systems/${machine.uuid}` });
      await c.reset(ctx(), 'On');
      assert.equal(await c.powerState(ctx()), 'On');
      await c.setBootOverride(ctx(), 'Pxe', 'Once');
      assert.deepEqual(machine.boot, { device: 'pxe', persistent: false });
      const b = await c.getBootOverride(ctx());
      assert.equal(b.target, 'Pxe');
      assert.equal(b.enabled, 'Once');
      await c.setBootOverride(ctx(), 'Hdd', 'Continuous');
      assert.deepEqual(machine.boot, { device: 'disk', persistent: true });
      await c.reset(ctx(), 'ForceOff');
      assert.equal(await c.powerState(ctx()), 'Off');
      await c.close(ctx());
    });

  test('a session the BMC dropped is made again once', async () => {
    const c = client({ authType: 'session' });
    await c.getSystem(ctx());
    // Delete every session behind the client's back.
    const basic = { Authorization: `Basic ${Buffer.from('admin:hunter22').toString('base64')}` };
    const list = (await (
      await fetch(`${address}/redfish/v1/SessionService/Sessions`, { headers: basic })
    ).json()) as {
      Members: { '@odata.id': string }[];
    };
    for (const m of list.Members)
      await fetch(`${address}${m['@odata.id']}`, { method: 'DELETE', headers: basic });
    assert.equal((await c.getSystem(ctx())).name, 'node-0');
  });

  test('wrong credentials: RedfishAccessError with the status, nothing done', async () => {
    for (const authType of ['session', 'basic', 'auto'] as const) {
      const calls = machine.calls.length;
      await assert.rejects(client({ password: 'bad', authType }).reset(ctx(), 'On'), (e) => {
        assert.ok(isAppError(e));
        assert.equal(e.type, 'RedfishAccessError', `${authType}: ${e.message}`);
        assert.equal(e.details.status, 401);
        assert.ok(!e.message.includes('bad'));
        return true;
      });
      assert.equal(machine.calls.length, calls);
    }
  });

  test('a reset type or boot target the system does not allow is refused before sending', async () => {
    await assert.rejects(client().reset(ctx(), 'Nmi'), /does not allow reset type Nmi/);
    await assert.rejects(client().setBootOverride(ctx(), 'Cd'), /does not allow boot target Cd/);
  });

  test('an unknown system is a 404 RedfishError with the BMC message', async () => {
    await assert.rejects(client({ systemId: '/redfish/v1/Systems/nope' }).getSystem(ctx()), (e) => {
      assert.ok(isAppError(e));
      assert.equal(e.type, 'RedfishError');
      assert.equal(e.details.status, 404);
      assert.match(e.message, /No system nope/);
      return true;
    });
  });

  test('an unreachable BMC is a RedfishConnectionError', async () => {
    const c = new RedfishClient({ address: 'http://127.0.0.1:9', username: 'a', password: 'b' });
    await assert.rejects(c.powerState(ctx()), (e) => isAppError(e) && e.type === 'RedfishConnectionError');
  });

  test('bad options are refused', () => {
    assert.throws(() => new RedfishClient({ address: 'ftp://x' }), /unsupported scheme/);
    assert.throws(() => new RedfishClient({ address: 'http://x', systemId: 'abc' }), /must be a path/);
  });

  test('error messages: the most severe extended message first', () => {
    const body = {
      error: {
        message: 'general',
        '@Message.ExtendedInfo': [
          { Severity: 'Warning', Message: 'warned' },
          { Severity: 'Critical', Message: 'critical' },
        ],
      },
    };
    assert.equal(redfishErrorMessage(body), 'critical');
    assert.equal(redfishErrorMessage({ error: { message: 'general' } }), 'general');
    assert.equal(redfishErrorMessage('oops'), undefined);
  });
});

describe('RedfishClient TLS verification', {
  skip: existsSync('/usr/bin/openssl') ? undefined : 'no openssl',
}, () => {
  let dir = '';
  let key = '';
  let cert = '';
  let bmc: RedfishBmc;
  let address = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ooo-redfish-tls-'));
    key = join(dir, 'key.pem');
    cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-keyout', key, '-out', cert],
        ...['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      ],
      { stdio: 'ignore' },
    );
    bmc = new RedfishBmc({
      systems: [{ machine: new FakeMachine('tls-0'), cpus: 1, memoryMiB: 256 }],
      username: 'admin',
      password: 'pw',
      log: silentLogger(),
      tls: { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') },
    });
    address = `https://127.0.0.1:${await bmc.listen('127.0.0.1', 0)}`;
  });
  after(async () => {
    await bmc?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const power = (verifyTls: boolean | string) =>
    new RedfishClient({ address, username: 'admin', password: 'pw', verifyTls }).powerState(testCtx());

  test('a self-signed BMC certificate is refused when verifying against the system CAs', async () => {
    await assert.rejects(power(true), (e) => isAppError(e) && e.type === 'RedfishConnectionError');
  });
  test('it is accepted with its CA file, or with verification off', async () => {
    assert.equal(await power(cert), 'Off');
    assert.equal(await power(false), 'Off');
  });
});
