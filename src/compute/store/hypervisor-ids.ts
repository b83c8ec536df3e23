// The stable integer ids Nova showed for hypervisors before 2.53, one per bare metal node, assigned once.
import type { Database } from '../../platform/db/types.ts';

export class HypervisorIdStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async idsFor(nodeUuids: readonly string[]): Promise<Map<string, number>> {
    return this.#db.tx(
      async (q) => {
        const out = new Map<string, number>();
        const rows = await q.all<{ id: number; node_uuid: string }>(
          'SELECT id, node_uuid FROM cmp_hypervisor_ids',
        );
        for (const r of rows) out.set(r.node_uuid, Number(r.id));
        let next = Math.max(0, ...out.values()) + 1;
        for (const uuid of nodeUuids) {
          if (out.has(uuid)) continue;
          await q.run('INSERT INTO cmp_hypervisor_ids (id, node_uuid) VALUES (?, ?)', [next, uuid]);
          out.set(uuid, next++);
        }
        return out;
      },
      { serializable: true },
    );
  }
}
