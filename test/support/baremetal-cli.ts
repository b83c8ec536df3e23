// The real `openstack` CLI as the bare-metal tests drive it: `os` (any outcome), `ok` (exit 0, else the
// assertion names the command and its output) and a node's `show` as JSON. The environment is read at
// each call, so the seed may start after the runner is made.
import assert from 'node:assert/strict';
import { type CliResult, openstack } from './openstack-cli.ts';

// biome-ignore lint/suspicious/noExplicitAny: CLI JSON is read loosely
type J = any;

export function baremetalCli(env: () => Record<string, string>, timeoutMs: number) {
  const os = (...args: string[]): Promise<CliResult> => openstack(env(), args, { timeoutMs });
  const ok = async (...args: string[]): Promise<CliResult> => {
    const r = await os(...args);
    assert.equal(r.code, 0, `openstack ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  const show = async (node: string): Promise<J> =>
    (await ok('baremetal', 'node', 'show', node, '-f', 'json')).json();
  return { os, ok, show };
}

/** The `flavor create` properties of a bare metal flavor: one CUSTOM_BAREMETAL node, no virtual resources. */
export const BAREMETAL_FLAVOR_PROPERTIES = [
  '--property',
  'resources:CUSTOM_BAREMETAL=1',
  '--property',
  'resources:VCPU=0',
  '--property',
  'resources:MEMORY_MB=0',
  '--property',
  'resources:DISK_GB=0',
];
