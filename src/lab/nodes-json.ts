// devtest's nodes JSON (tripleo-tooling.md 5.1; os-cloud-config's {"nodes": [...]}) for `ooo node import`.
// Values are strings as create-nodes wrote them; Redfish nodes also carry the system's path.
import type { LabNode } from './state.ts';

export interface DevtestNode {
  name: string;
  pm_type: 'pxe_ipmitool' | 'redfish';
  pm_addr: string;
  pm_port: string;
  pm_user: string;
  pm_password: string;
  pm_system_id?: string;
  mac: string[];
  cpu: string;
  memory: string;
  disk: string;
  arch: string;
}

export function nodesJson(nodes: LabNode[]): { nodes: DevtestNode[] } {
  return {
    nodes: nodes.map((n) => ({
      name: n.name,
      pm_type: n.bmc === 'ipmi' ? 'pxe_ipmitool' : 'redfish',
      pm_addr: n.bmc === 'ipmi' ? n.bmcAddress : `http://${n.bmcAddress}:${n.bmcPort}`,
      pm_port: String(n.bmcPort),
      pm_user: n.username,
      pm_password: n.password,
      ...(n.bmc === 'redfish' ? { pm_system_id: `/redfish/v1/Systems/${n.uuid}` } : {}),
      mac: [...n.macs],
      cpu: String(n.cpus),
      memory: String(n.memoryMiB),
      disk: String(n.diskGiB),
      arch: 'amd64',
    })),
  };
}
