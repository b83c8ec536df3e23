import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/cli/load-config.ts';
import type { ServiceDefinition } from '../../src/platform/service.ts';
import { startOrder } from '../../src/seed/order.ts';

test('configuration layers: defaults < file < environment < flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ooo-config-'));
  writeFileSync(join(dir, 'ooo.json'), JSON.stringify({ host: '127.0.0.2', portOffset: 5, region: 'Lab' }));
  const fromFile = loadConfig({ 'state-dir': dir }, {});
  assert.equal(fromFile.host, '127.0.0.2');
  assert.equal(fromFile.portOffset, 5);
  assert.equal(fromFile.region, 'Lab');
  const fromEnv = loadConfig({ 'state-dir': dir }, { OOO_PORT_OFFSET: '7', OOO_HOST: '127.0.0.3' });
  assert.deepEqual([fromEnv.host, fromEnv.portOffset], ['127.0.0.3', 7]);
  const fromFlags = loadConfig(
    { 'state-dir': dir, 'port-offset': '9', only: 'identity, image' },
    { OOO_PORT_OFFSET: '7' },
  );
  assert.equal(fromFlags.portOffset, 9);
  assert.deepEqual(fromFlags.services, ['identity', 'image']);
  assert.throws(() => loadConfig({ 'state-dir': dir, 'port-offset': 'ten' }, {}), /not a whole number/);
  assert.throws(() => loadConfig({ 'state-dir': dir, config: join(dir, 'missing.json') }, {}), /not found/);
});

test('services start after what they need; cycles and unknown names are errors', () => {
  const def = (name: string, needs: string[] = []) => ({ name, needs }) as unknown as ServiceDefinition;
  const defs = [
    def('compute', ['image', 'network']),
    def('identity'),
    def('image', ['identity']),
    def('network'),
  ];
  const names = (wanted: string[]) => startOrder(defs, wanted).map((d) => d.name);
  assert.deepEqual(names([]), ['identity', 'image', 'network', 'compute']);
  assert.deepEqual(names(['image']), ['identity', 'image']);
  assert.throws(() => names(['nova']), /unknown service: nova/);
  assert.throws(() => startOrder([def('identity'), def('a', ['b']), def('b', ['a'])], []), /cycle/);
  assert.throws(() => startOrder([def('identity'), def('a', ['zzz'])], []), /needs unknown service zzz/);
  // Every service needs the token authority, declared or not.
  assert.deepEqual(names(['network']), ['identity', 'network']);
  // A need served by another process is not started here; a service asked for by name is.
  const apart = (wanted: string[]) => startOrder(defs, wanted, new Set(['identity'])).map((d) => d.name);
  assert.deepEqual(apart(['image']), ['image']);
  assert.deepEqual(apart(['compute']), ['image', 'network', 'compute']);
  assert.deepEqual(apart(['identity', 'image']), ['identity', 'image']);
});

test('services apart: identityUrl, serviceUrls and the credentials file from file, environment and flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ooo-config-'));
  writeFileSync(
    join(dir, 'ooo.json'),
    JSON.stringify({
      identityUrl: 'http://10.0.0.1:5000/v3/',
      serviceUrls: { network: 'http://10.0.0.2:9696/' },
      serviceCredentials: 'creds.json',
    }),
  );
  const fromFile = loadConfig({ 'state-dir': dir }, {});
  assert.deepEqual(fromFile.serviceUrls, {
    identity: 'http://10.0.0.1:5000',
    network: 'http://10.0.0.2:9696',
  });
  assert.equal(fromFile.serviceCredentials, join(dir, 'creds.json'));
  const fromEnv = loadConfig({ 'state-dir': dir }, { OOO_IDENTITY_URL: 'http://10.0.0.3:5000' });
  assert.equal(fromEnv.serviceUrls.identity, 'http://10.0.0.3:5000');
  assert.equal(fromEnv.serviceUrls.network, 'http://10.0.0.2:9696', "the file's other entries stay");
  const fromFlags = loadConfig({ 'state-dir': dir, 'identity-url': 'https://id.example:5000' }, {});
  assert.equal(fromFlags.serviceUrls.identity, 'https://id.example:5000');
  assert.throws(() => loadConfig({ 'state-dir': dir, 'identity-url': 'ftp://x' }, {}), /http\(s\)/);
  assert.throws(() => loadConfig({ 'state-dir': dir }, { OOO_IDENTITY_URL: 'not a url' }), /not a URL/);
});
