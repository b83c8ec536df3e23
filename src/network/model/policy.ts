// Who may do what, as data (Neutron's default policies reduced to our roles): the target is the project
// owning the resource, or for "network_owner" rules the project owning the network a port or subnet is on.
import type { PolicyTable } from '../../platform/policy/policy.ts';

const ADMIN = ['admin'] as const;
const SERVICE = ['service'] as const;
const OWNER_MEMBER = ['member', 'owner'] as const;
const OWNER_READER = ['reader', 'owner'] as const;

// The service role stands where Neutron's advanced-service role (context_is_advsvc) does: it reads every
// network, subnet and port, so another service's network client sees what the in-process one sees. It also
// creates, changes and deletes networks and subnets for a project (the orchestration service's
// OS::Neutron::Net and Subnet, made for the stack's project), but never shared, external or provider ones.
export const NETWORK_POLICY: PolicyTable = {
  create_network: [ADMIN, SERVICE, OWNER_MEMBER],
  'create_network:shared': [ADMIN],
  'create_network:provider': [ADMIN],
  'create_network:router:external': [ADMIN],
  get_network: [ADMIN, SERVICE, OWNER_READER],
  update_network: [ADMIN, SERVICE, OWNER_MEMBER],
  'update_network:shared': [ADMIN],
  'update_network:router:external': [ADMIN],
  delete_network: [ADMIN, SERVICE, OWNER_MEMBER],
  // Subnets: the target is the network's project.
  create_subnet: [ADMIN, SERVICE, OWNER_MEMBER],
  get_subnet: [ADMIN, SERVICE, OWNER_READER],
  update_subnet: [ADMIN, SERVICE, OWNER_MEMBER],
  delete_subnet: [ADMIN, SERVICE, OWNER_MEMBER],
  create_port: [ADMIN, SERVICE, OWNER_MEMBER],
  // On another project's (shared) network only the network owner, admins and services choose MACs and IPs.
  'create_port:mac_address': [ADMIN, SERVICE, OWNER_MEMBER],
  'create_port:fixed_ips:ip_address': [ADMIN, SERVICE, OWNER_MEMBER],
  'create_port:binding': [ADMIN, SERVICE],
  get_port: [ADMIN, SERVICE, OWNER_READER],
  update_port: [ADMIN, SERVICE, OWNER_MEMBER],
  'update_port:binding': [ADMIN, SERVICE],
  delete_port: [ADMIN, SERVICE, OWNER_MEMBER],
  create_security_group: [ADMIN, OWNER_MEMBER],
  get_security_group: [ADMIN, OWNER_READER],
  update_security_group: [ADMIN, OWNER_MEMBER],
  delete_security_group: [ADMIN, OWNER_MEMBER],
  create_security_group_rule: [ADMIN, OWNER_MEMBER],
  get_security_group_rule: [ADMIN, OWNER_READER],
  delete_security_group_rule: [ADMIN, OWNER_MEMBER],
  get_quota: [ADMIN, OWNER_READER],
  update_quota: [ADMIN],
  delete_quota: [ADMIN],
  get_dhcp_status: [ADMIN, OWNER_READER],
  get_agent: [ADMIN],
  // Acting for another project (project_id in a create body) is for admins and services.
  set_project: [ADMIN, SERVICE],
};
