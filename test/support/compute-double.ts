// A ComputeClient test double: servers kept in memory, ACTIVE on the second read (BUILD first), with
// an address per requested network; the calls are recorded. A flavor or image named "broken" makes the
// build go to ERROR with a fault, as Nova reports a failed build.
import { randomUUID } from 'node:crypto';
import type {
  ComputeAuth,
  ComputeClient,
  FlavorCreateRequest,
  KeypairCreateRequest,
  NovaKeypair,
  NovaServer,
  ServerCreateRequest,
  ServerRebuildRequest,
} from '../../src/compute/client.ts';
import type { Ctx } from '../../src/platform/context.ts';
import { AppError } from '../../src/platform/errors/catalogue.ts';

export class ComputeDouble implements ComputeClient {
  readonly servers = new Map<
    string,
    NovaServer & { reads: number; userData?: string; rebuilds: ServerRebuildRequest[] }
  >();
  readonly calls: string[] = [];
  readonly flavors = new Map([['f-small', 'small']]);

  async createServer(_ctx: Ctx, auth: ComputeAuth, req: ServerCreateRequest) {
    this.calls.push(`create ${req.name} token=${auth.token}`);
    const id = randomUUID();
    const nets = Array.isArray(req.networks) ? req.networks : [];
    const addresses = Object.fromEntries(
      nets.map((n, i) => [
        'uuid' in n ? `net-${n.uuid}` : `port-${n.port}`,
        [{ addr: `192.0.2.${10 + i}`, version: 4 }],
      ]),
    );
    this.servers.set(id, {
      id,
      name: req.name,
      status: 'BUILD',
      addresses,
      accessIPv4: '',
      accessIPv6: '',
      metadata: req.metadata ?? {},
      image: { id: req.imageRef },
      flavor: { id: req.flavorRef },
      reads: 0,
      rebuilds: [],
      ...(req.user_data ? { userData: Buffer.from(req.user_data, 'base64').toString() } : {}),
    });
    return { id };
  }

  async getServer(_ctx: Ctx, _auth: ComputeAuth, id: string): Promise<NovaServer> {
    const s = this.servers.get(id);
    if (!s) throw new AppError('NOT_FOUND', `Server ${id} could not be found.`, { type: 'itemNotFound' });
    s.reads++;
    if (s.status === 'BUILD' && s.reads >= 2) {
      if ((s.image as { id: string }).id === 'broken') {
        s.status = 'ERROR';
        s.fault = { code: 500, message: 'No valid host was found.' };
      } else s.status = 'ACTIVE';
    }
    return { ...s };
  }

  async renameServer(_ctx: Ctx, _auth: ComputeAuth, id: string, name: string) {
    this.calls.push(`rename ${id} ${name}`);
    const s = this.servers.get(id);
    if (s) s.name = name;
  }

  async setMetadata(_ctx: Ctx, _auth: ComputeAuth, id: string, metadata: Record<string, string>) {
    this.calls.push(`metadata ${id}`);
    const s = this.servers.get(id);
    if (s) s.metadata = metadata;
  }

  async rebuildServer(_ctx: Ctx, _auth: ComputeAuth, id: string, req: ServerRebuildRequest) {
    this.calls.push(`rebuild ${id} ${req.imageRef} preserve=${req.preserve_ephemeral === true}`);
    const s = this.servers.get(id);
    if (!s) throw new AppError('NOT_FOUND', `Server ${id} could not be found.`);
    s.rebuilds.push(req);
    s.image = { id: req.imageRef };
    s.status = 'BUILD';
    s.reads = 0;
  }

  async deleteServer(_ctx: Ctx, _auth: ComputeAuth, id: string) {
    this.calls.push(`delete ${id}`);
    this.servers.delete(id);
  }

  async findFlavor(_ctx: Ctx, _auth: ComputeAuth, nameOrId: string) {
    if (this.flavors.has(nameOrId)) return nameOrId;
    for (const [id, name] of this.flavors) if (name === nameOrId) return id;
    throw new AppError('NOT_FOUND', `Flavor ${nameOrId} could not be found.`, { type: 'FlavorNotFound' });
  }

  readonly keypairs = new Map<string, NovaKeypair>();
  readonly flavorSpecs = new Map<string, Record<string, string>>();

  async createKeypair(_ctx: Ctx, _auth: ComputeAuth, req: KeypairCreateRequest) {
    this.calls.push(`keypair ${req.name}`);
    const pair: NovaKeypair = {
      name: req.name,
      public_key: req.public_key ?? `ssh-ed25519 AAAA${req.name}`,
      fingerprint: `fp-${req.name}`,
      ...(req.public_key ? {} : { private_key: `PRIVATE ${req.name}` }),
    };
    this.keypairs.set(req.name, { ...pair, private_key: undefined } as NovaKeypair);
    return pair;
  }

  async deleteKeypair(_ctx: Ctx, _auth: ComputeAuth, name: string) {
    this.calls.push(`delete keypair ${name}`);
    this.keypairs.delete(name);
  }

  async createFlavor(_ctx: Ctx, _auth: ComputeAuth, req: FlavorCreateRequest) {
    const id = req.id ?? randomUUID();
    this.calls.push(`flavor ${req.name}`);
    this.flavors.set(id, req.name);
    this.flavorSpecs.set(id, {});
    return { id };
  }

  async setFlavorExtraSpecs(_ctx: Ctx, _auth: ComputeAuth, id: string, specs: Record<string, string>) {
    this.flavorSpecs.set(id, { ...specs });
  }

  async deleteFlavor(_ctx: Ctx, _auth: ComputeAuth, id: string) {
    this.calls.push(`delete flavor ${id}`);
    this.flavors.delete(id);
    this.flavorSpecs.delete(id);
  }
}
