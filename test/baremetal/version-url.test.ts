import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultVersionUrl } from '../../src/baremetal/api/discovery.ts';

// Paths without a version are served as v1 (ironicclient sends some that way); the root and the
// network-boot files are not API paths and stay as they are.
const CASES: [string, string][] = [
  ['/', '/'],
  ['/?x=1', '/?x=1'],
  ['/v1', '/v1'],
  ['/v1/nodes', '/v1/nodes'],
  ['/nodes', '/v1/nodes'],
  ['/nodes?limit=1', '/v1/nodes?limit=1'],
  ['/boot/52-54-00-12-34-56.ipxe', '/boot/52-54-00-12-34-56.ipxe'],
  ['/boot/0b1c/deploy_kernel', '/boot/0b1c/deploy_kernel'],
];

for (const [url, want] of CASES)
  test(`defaultVersionUrl ${url} → ${want}`, () => assert.equal(defaultVersionUrl(url), want));
