// The into-lab proxy passes requests only to guests on the lab's network.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { intoLabTarget } from '../../src/lab/into-lab.ts';

const cases: [string | undefined, string, { host: string; port: number } | undefined][] = [
  ['192.0.2.3:9999', '192.0.2.1/24', { host: '192.0.2.3', port: 9999 }],
  ['192.0.2.254:80', '192.0.2.1/24', { host: '192.0.2.254', port: 80 }],
  ['192.0.2.1:9999', '192.0.2.1/24', undefined], // the bridge: the host's own forwards
  ['192.0.2.0:9999', '192.0.2.1/24', undefined], // network address
  ['192.0.2.255:9999', '192.0.2.1/24', undefined], // broadcast
  ['192.0.3.3:9999', '192.0.2.1/24', undefined],
  ['127.0.0.1:9999', '192.0.2.1/24', undefined],
  ['192.0.2.3', '192.0.2.1/24', undefined], // no port
  ['192.0.2.3:0', '192.0.2.1/24', undefined],
  ['example.org:80', '192.0.2.1/24', undefined],
  ['192.0.2.300:80', '192.0.2.1/24', undefined],
  [undefined, '192.0.2.1/24', undefined],
  ['10.1.2.3:9999', '10.1.0.1/16', { host: '10.1.2.3', port: 9999 }],
];
for (const [host, cidr, want] of cases)
  test(`${host} in ${cidr}`, () => assert.deepEqual(intoLabTarget(host, cidr), want));
