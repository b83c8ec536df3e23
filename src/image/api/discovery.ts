// Version discovery, schemas and import info: the documents clients read before they act.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CONTAINER_FORMATS, DISK_FORMATS, STATUSES, VISIBILITIES } from '../model/image.ts';

const CURRENT = 16;

export function baseUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.headers.host ?? req.hostname}`;
}

export function versions(base: string) {
  const out = [];
  for (let minor = CURRENT; minor >= 0; minor--) {
    out.push({
      id: `v2.${minor}`,
      status: minor === CURRENT ? 'CURRENT' : 'SUPPORTED',
      links: [{ rel: 'self', href: `${base}/v2/` }],
    });
  }
  return out;
}

const nullableEnum = (values: readonly string[]) => ({ type: ['null', 'string'], enum: [null, ...values] });

export const IMAGE_SCHEMA = {
  name: 'image',
  properties: {
    id: {
      type: 'string',
      pattern: '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$',
    },
    name: { type: ['null', 'string'], maxLength: 255 },
    status: { type: 'string', readOnly: true, enum: [...STATUSES] },
    visibility: { type: 'string', enum: [...VISIBILITIES] },
    protected: { type: 'boolean' },
    os_hidden: { type: 'boolean' },
    checksum: { type: ['null', 'string'], readOnly: true, maxLength: 32 },
    os_hash_algo: { type: ['null', 'string'], readOnly: true, maxLength: 64 },
    os_hash_value: { type: ['null', 'string'], readOnly: true, maxLength: 128 },
    owner: { type: ['null', 'string'], maxLength: 255 },
    size: { type: ['null', 'integer'], readOnly: true },
    virtual_size: { type: ['null', 'integer'], readOnly: true },
    container_format: nullableEnum(CONTAINER_FORMATS),
    disk_format: nullableEnum(DISK_FORMATS),
    created_at: { type: 'string', readOnly: true },
    updated_at: { type: 'string', readOnly: true },
    tags: { type: 'array', items: { type: 'string', maxLength: 255 } },
    min_ram: { type: 'integer' },
    min_disk: { type: 'integer' },
    self: { type: 'string', readOnly: true },
    file: { type: 'string', readOnly: true },
    schema: { type: 'string', readOnly: true },
    kernel_id: { type: ['null', 'string'], is_base: false },
    ramdisk_id: { type: ['null', 'string'], is_base: false },
  },
  additionalProperties: { type: 'string' },
  links: [
    { rel: 'self', href: '{self}' },
    { rel: 'enclosure', href: '{file}' },
    { rel: 'describedby', href: '{schema}' },
  ],
};

const MEMBER_SCHEMA = {
  name: 'member',
  properties: {
    created_at: { type: 'string' },
    image_id: { type: 'string' },
    member_id: { type: 'string' },
    schema: { type: 'string', readOnly: true },
    status: { type: 'string', enum: ['pending', 'accepted', 'rejected'] },
    updated_at: { type: 'string' },
  },
};

export function registerDiscovery(app: FastifyInstance): void {
  const publicRoute = { config: { public: true } };
  app.get('/', publicRoute, async (req, reply) => reply.code(300).send({ versions: versions(baseUrl(req)) }));
  app.get('/versions', publicRoute, async (req) => ({ versions: versions(baseUrl(req)) }));
  app.get('/v2/schemas/image', async () => IMAGE_SCHEMA);
  app.get('/v2/schemas/images', async () => ({
    name: 'images',
    properties: {
      images: { type: 'array', items: IMAGE_SCHEMA },
      schema: { type: 'string' },
      first: { type: 'string' },
      next: { type: 'string' },
    },
    links: [
      { rel: 'first', href: '{first}' },
      { rel: 'next', href: '{next}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  }));
  app.get('/v2/schemas/member', async () => MEMBER_SCHEMA);
  app.get('/v2/schemas/members', async () => ({
    name: 'members',
    properties: { members: { type: 'array', items: MEMBER_SCHEMA }, schema: { type: 'string' } },
    links: [{ rel: 'describedby', href: '{schema}' }],
  }));
  app.get('/v2/info/import', async () => ({
    'import-methods': { description: 'Import methods available.', type: 'array', value: ['glance-direct'] },
  }));
}
