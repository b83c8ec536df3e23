import assert from 'node:assert/strict';
import { test } from 'node:test';

test('the test runner runs TypeScript on Node 24', () => {
  assert.ok(Number(process.versions.node.split('.')[0]) >= 24, `node ${process.versions.node}`);
});
