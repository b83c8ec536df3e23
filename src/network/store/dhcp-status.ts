// DHCP status per network, written by the DHCP agent (in whichever process runs it) and read by the API.
import type { Database } from '../../platform/db/types.ts';

export interface DhcpStatus {
  network_id: string;
  host: string;
  /** running | restarting | failed | stopped | no-interface */
  state: string;
  interface: string;
  pid: number | null;
  restarts: number;
  hosts: number;
  message: string;
  updated_at: number;
}

export class DhcpStatusStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async put(s: DhcpStatus): Promise<void> {
    await this.#db.tx(async (q) => {
      await q.run('DELETE FROM net_dhcp_status WHERE network_id = ?', [s.network_id]);
      await q.run(
        'INSERT INTO net_dhcp_status (network_id, host, state, interface, pid, restarts, hosts, message, updated_at) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [s.network_id, s.host, s.state, s.interface, s.pid, s.restarts, s.hosts, s.message, s.updated_at],
      );
    });
  }

  async get(networkId: string): Promise<DhcpStatus | undefined> {
    const row = await this.#db.get<Record<string, unknown>>(
      'SELECT * FROM net_dhcp_status WHERE network_id = ?',
      [networkId],
    );
    if (!row) return undefined;
    return {
      network_id: String(row.network_id),
      host: String(row.host),
      state: String(row.state),
      interface: String(row.interface),
      pid: row.pid === null ? null : Number(row.pid),
      restarts: Number(row.restarts),
      hosts: Number(row.hosts),
      message: String(row.message),
      updated_at: Number(row.updated_at),
    };
  }

  async all(): Promise<DhcpStatus[]> {
    const rows = await this.#db.all<{ network_id: string }>(
      'SELECT network_id FROM net_dhcp_status ORDER BY network_id',
    );
    const out: DhcpStatus[] = [];
    for (const r of rows) {
      const s = await this.get(r.network_id);
      if (s) out.push(s);
    }
    return out;
  }

  async remove(networkId: string): Promise<void> {
    await this.#db.run('DELETE FROM net_dhcp_status WHERE network_id = ?', [networkId]);
  }
}
