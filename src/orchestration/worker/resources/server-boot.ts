// What OS::Nova::Server and AWS::EC2::Instance share: the compute client with the user's token, the image
// named by name or id, the networks request, the boot (create, then wait for ACTIVE; a failed build's
// server removed) and the delete that waits for the server to be gone.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ComputeAuth, ComputeClient, NovaServer, ServerCreateRequest } from '../../../compute/client.ts';
import type { ResourceContext } from './plugin.ts';

/** The compute client and the user's token, for a type over compute. */
export function compute(
  rc: ResourceContext,
  type = 'OS::Nova::Server',
): { c: ComputeClient; auth: ComputeAuth } {
  const c = rc.clients.compute;
  if (!c) throw new Error(`${type} needs the compute service, which this seed does not reach.`);
  if (!rc.token) throw new Error(`${type} acts with the user’s token, and this operation has none.`);
  return { c, auth: { token: rc.token } };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An image id from its id or its unique name (through the image service when it is there). */
export async function imageId(rc: ResourceContext, ref: string): Promise<string> {
  const image = rc.clients.image;
  if (UUID.test(ref) || !image || !rc.token) return ref;
  const named = await image.connect(rc.token).list(rc.ctx, { name: ref });
  if (named.length === 1) return String(named[0]?.id);
  throw new Error(
    named.length > 1 ? `Multiple images named ${ref} exist.` : `The Image (${ref}) could not be found.`,
  );
}

/** A network's id from its id or its unique name. */
export async function networkId(rc: ResourceContext, ref: string): Promise<string> {
  if (!ref || UUID.test(ref) || !rc.clients.network) return ref;
  const named = await rc.clients.network.findNetworks(rc.ctx, { name: ref });
  if (named.length !== 1) throw new Error(`The network (${ref}) could not be found.`);
  return String(named[0]?.id);
}

/** Waits for the server to settle: ACTIVE, or ERROR (with Nova's fault) as a failure. */
export async function settle(rc: ResourceContext, id: string, type?: string): Promise<NovaServer> {
  const { c, auth } = compute(rc, type);
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    const s = await c.getServer(rc.ctx, auth, id);
    if (s.status === 'ACTIVE') return s;
    if (s.status === 'ERROR')
      throw new Error(`Went to status ERROR due to "${s.fault?.message ?? 'Unknown'}"`);
    await sleep(delay, undefined, { signal: rc.signal });
  }
}

/** Creates the server and waits for it; one that fails to build is deleted (the row keeps no id). */
export async function boot(rc: ResourceContext, type: string, req: ServerCreateRequest): Promise<NovaServer> {
  const { c, auth } = compute(rc, type);
  const created = await c.createServer(rc.ctx, auth, req);
  try {
    return await settle(rc, created.id, type);
  } catch (e) {
    await c.deleteServer(rc.ctx, auth, created.id).catch(() => undefined);
    throw e;
  }
}

/** Deletes the server and waits until Nova no longer has it. */
export async function removeServer(rc: ResourceContext, type: string, id: string): Promise<void> {
  const { c, auth } = compute(rc, type);
  await c.deleteServer(rc.ctx, auth, id);
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    const gone = await c.getServer(rc.ctx, auth, id).then(
      (s) => s.status === 'DELETED',
      (e: { status?: number }) => {
        if (e.status === 404) return true;
        throw e;
      },
    );
    if (gone) return;
    await sleep(delay, undefined, { signal: rc.signal });
  }
}

/** The server's addresses as {network: [ip, ...]}, and the first one. */
export function addressesOf(s: NovaServer): { networks: Record<string, string[]>; first: string } {
  const networks: Record<string, string[]> = {};
  let first = '';
  for (const [net, addrs] of Object.entries(s.addresses ?? {})) {
    networks[net] = addrs.map((a) => a.addr);
    if (!first && addrs[0]) first = addrs[0].addr;
  }
  return { networks, first };
}
