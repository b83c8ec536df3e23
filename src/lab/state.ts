// The lab's record of what it made (lab.json, mode 0600: it holds the BMC credentials): the namespace, the
// machines with their BMCs, and the pids, so `ooo lab down` can undo all of it even after kill -9.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SeedLinkRecord } from './seed-link.ts';

export type BmcKind = 'ipmi' | 'redfish';

export interface LabNode {
  name: string;
  uuid: string;
  dir: string;
  bmc: BmcKind;
  bmcAddress: string;
  bmcPort: number;
  username: string;
  password: string;
  macs: string[];
  taps: string[];
  cpus: number;
  memoryMiB: number;
  diskGiB: number;
  /** ipmi_sim's pid for an IPMI node. */
  bmcPid?: number;
}

export interface LabState {
  id: string;
  dir: string;
  netns: string;
  bridge: string;
  cidr: string;
  accel: 'kvm' | 'tcg';
  accelReason: string;
  nodes: LabNode[];
  /** The Redfish BMC process serving every Redfish node. */
  redfishPid?: number;
  /** Host loopback TCP ports the guests reach at the bridge's address (src/lab/forward.ts). */
  forwards?: number[];
  forwardPids?: number[];
  /** The seed's metadata socket the lab's proxy on 169.254.169.254:80 passes requests to (forward.ts). */
  metadataSocket?: string;
  /** radvd in the namespace (router-adverts.ts), when installed. */
  radvdPid?: number;
  /** The network and subnet the lab made in the seed's network service. */
  seed?: SeedLinkRecord;
  createdAt: string;
}

export const labDir = (stateDir: string) => join(stateDir, 'lab');
export const labFile = (dir: string) => join(dir, 'lab.json');

export function readLab(dir: string): LabState | undefined {
  const f = labFile(dir);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as LabState) : undefined;
}

export function writeLab(state: LabState): void {
  writeFileSync(labFile(state.dir), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}
