// What network-booting nodes fetch over HTTP, public like Ironic's http_url (a node has no token): its iPXE
// script by MAC (`GET /boot/aa-bb-cc-dd-ee-ff.ipxe`, the DHCP bootfile) and the deploy kernel and ramdisk
// the script names (`GET /boot/<node uuid>/deploy_kernel|deploy_ramdisk`). Written by drivers/pxe-boot.ts.
import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { BootFiles } from '../drivers/boot-files.ts';
import { notFound } from '../model/errors.ts';

const PUBLIC = { config: { public: true } };

export function bootRoutes(app: FastifyInstance, files: BootFiles) {
  app.get('/boot/:name', PUBLIC, async (req, reply) => {
    const { name } = req.params as { name: string };
    const script = await files.script(name.toLowerCase());
    if (script === undefined) throw notFound('Resource', req.url, 'NotFound');
    return reply.type('text/plain; charset=utf-8').send(script);
  });
  app.get('/boot/:node/:file', PUBLIC, async (req, reply) => {
    const { node, file } = req.params as { node: string; file: string };
    const found = await files.deployFile(node, file);
    if (!found) throw notFound('Resource', req.url, 'NotFound');
    return reply
      .type('application/octet-stream')
      .header('content-length', found.size)
      .send(createReadStream(found.path));
  });
}
