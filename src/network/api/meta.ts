// Discovery (GET /, GET /v2.0), the extensions the clients probe for, and tags on every resource.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalidInput, notFoundError } from '../model/errors.ts';
import { isTaggable, type TaggableKind } from '../store/tags.ts';
import { enforceAction } from './common.ts';
import type { ApiContext } from './context.ts';

const EXTENSIONS: [alias: string, name: string, description: string][] = [
  ['binding', 'Port Binding', 'Expose port bindings of a virtual port to external application'],
  ['port-security', 'Port Security', 'Provides port security'],
  [
    'standard-attr-tag',
    'Tag support for resources with standard attribute',
    'Enables to set tag on resources',
  ],
  [
    'standard-attr-description',
    'standard-attr-description',
    'Extension to add descriptions to standard attributes',
  ],
  [
    'standard-attr-timestamp',
    'Resource timestamps',
    'Adds created_at and updated_at fields to all resources',
  ],
  ['standard-attr-revisions', 'Resource revision numbers', 'This extension will display the revision number'],
  ['project-id', 'project_id field enabled', 'Extension that indicates that project_id field is enabled.'],
  ['provider', 'Provider Network', 'Expose mapping of virtual networks to physical networks'],
  ['external-net', 'Neutron external network', 'Adds external network attribute to network resource.'],
  ['extra_dhcp_opt', 'Neutron Extra DHCP options', 'Extra options configuration for DHCP.'],
  ['security-group', 'security-group', 'The security groups extension.'],
  ['quotas', 'Quota management support', 'Expose functions for quotas management per tenant'],
  [
    'quota_details',
    'Quota details management support',
    'Expose functions for quotas usage statistics per project',
  ],
  ['net-mtu', 'Network MTU', 'Provides MTU attribute for a network resource.'],
  ['dns-integration', 'DNS Integration', 'Provides integration with DNS.'],
  ['allowed-address-pairs', 'Allowed Address Pairs', 'Provides allowed address pairs'],
  ['agent', 'agent', 'The agent management extension.'],
  ['dhcp_agent_scheduler', 'DHCP Agent Scheduler', 'Schedule networks among dhcp agents'],
  ['availability_zone', 'Availability Zone', 'The availability zone extension.'],
  ['network_availability_zone', 'Network Availability Zone', 'Availability zone support for network.'],
  ['sorting', 'Sorting support', 'Enabled sorting support.'],
  ['pagination', 'Pagination support', 'Enabled pagination support.'],
  ['filter-validation', 'Filter parameters validation', 'Provides validation on filter parameters.'],
  [
    'fip-port-details',
    'Floating IP Port Details Extension',
    'Add port_details attribute to Floating IP resource',
  ],
];

const extension = ([alias, name, description]: (typeof EXTENSIONS)[number]) => ({
  alias,
  name,
  description,
  updated: '2013-01-20T00:00:00-00:00',
  links: [],
});

const TAGGABLE: Record<TaggableKind, { kind: string; action: string }> = {
  networks: { kind: 'Network', action: 'update_network' },
  subnets: { kind: 'Subnet', action: 'update_subnet' },
  ports: { kind: 'Port', action: 'update_port' },
  'security-groups': { kind: 'SecurityGroup', action: 'update_security_group' },
};

export function metaRoutes(app: FastifyInstance, api: ApiContext): void {
  const versions = (req: FastifyRequest) => ({
    versions: [
      {
        id: 'v2.0',
        status: 'CURRENT',
        links: [{ rel: 'self', href: `${req.protocol}://${req.headers.host ?? 'localhost'}/v2.0/` }],
      },
    ],
  });
  app.get('/', { config: { public: true } }, async (req) => versions(req));
  app.get('/v2.0', async (req) => ({
    resources: ['network', 'subnet', 'port', 'security_group', 'security_group_rule', 'quota'].map((r) => ({
      name: r,
      collection: `${r}s`,
      links: [{ rel: 'self', href: `${req.protocol}://${req.headers.host}/v2.0/${r.replaceAll('_', '-')}s` }],
    })),
  }));
  app.get('/v2.0/extensions', async () => ({ extensions: EXTENSIONS.map(extension) }));
  app.get<{ Params: { alias: string } }>('/v2.0/extensions/:alias', async (req) => {
    const e = EXTENSIONS.find(([alias]) => alias === req.params.alias);
    if (!e) throw notFoundError('Extension', req.params.alias);
    return { extension: extension(e) };
  });

  // Tags: the owner of a resource (or an admin) may change them.
  const owned = async (req: FastifyRequest, coll: string, id: string): Promise<TaggableKind> => {
    if (!isTaggable(coll)) throw notFoundError('Resource', coll);
    const t = TAGGABLE[coll];
    const owner = await api.tags.owner(coll, id);
    if (owner === undefined) throw notFoundError(t.kind, id);
    enforceAction(req, t.action, { projectId: owner });
    return coll;
  };
  const checkTag = (tag: string) => {
    if (tag === '' || tag.length > 255 || tag.includes(','))
      throw invalidInput(`'${tag}' is not a valid tag`);
    return tag;
  };
  app.get<{ Params: { coll: string; id: string } }>('/v2.0/:coll/:id/tags', async (req) => {
    const t = await owned(req, req.params.coll, req.params.id);
    return { tags: (await api.tags.get(t, req.params.id)) ?? [] };
  });
  app.put<{ Params: { coll: string; id: string } }>('/v2.0/:coll/:id/tags', async (req) => {
    const t = await owned(req, req.params.coll, req.params.id);
    const tags = (req.body as { tags?: unknown } | undefined)?.tags;
    if (!Array.isArray(tags)) throw invalidInput("'tags' must be a list");
    return {
      tags: await api.tags.change(t, req.params.id, () => tags.map((x) => checkTag(String(x)))),
    };
  });
  app.put<{ Params: { coll: string; id: string; tag: string } }>(
    '/v2.0/:coll/:id/tags/:tag',
    async (req, reply) => {
      const t = await owned(req, req.params.coll, req.params.id);
      await api.tags.change(t, req.params.id, (x) => [...x, checkTag(req.params.tag)]);
      return reply.code(201).send();
    },
  );
  app.delete<{ Params: { coll: string; id: string; tag: string } }>(
    '/v2.0/:coll/:id/tags/:tag',
    async (req, reply) => {
      const t = await owned(req, req.params.coll, req.params.id);
      const before = (await api.tags.get(t, req.params.id)) ?? [];
      if (!before.includes(req.params.tag)) throw notFoundError('Tag', req.params.tag);
      await api.tags.change(t, req.params.id, (x) => x.filter((y) => y !== req.params.tag));
      return reply.code(204).send();
    },
  );
  app.delete<{ Params: { coll: string; id: string } }>('/v2.0/:coll/:id/tags', async (req, reply) => {
    const t = await owned(req, req.params.coll, req.params.id);
    await api.tags.change(t, req.params.id, () => []);
    return reply.code(204).send();
  });
}
