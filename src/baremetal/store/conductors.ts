// The only code that reads and writes bm_conductors: who serves which hardware types, and when it last
// said it was alive.
import type { Database } from '../../platform/db/types.ts';

export interface ConductorRecord {
  hostname: string;
  conductor_group: string;
  drivers: string[];
  started_at: number;
  heartbeat_at: number;
}

interface Row {
  hostname: string;
  conductor_group: string;
  drivers: string;
  started_at: number;
  heartbeat_at: number;
}

export class ConductorStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async register(c: ConductorRecord): Promise<void> {
    await this.#db.run(
      `INSERT INTO bm_conductors (hostname, conductor_group, drivers, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (hostname) DO UPDATE SET conductor_group = excluded.conductor_group, drivers = excluded.drivers,
         started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at`,
      [c.hostname, c.conductor_group, JSON.stringify(c.drivers), c.started_at, c.heartbeat_at],
    );
  }

  async heartbeat(hostname: string, at: number): Promise<void> {
    await this.#db.run('UPDATE bm_conductors SET heartbeat_at = ? WHERE hostname = ?', [at, hostname]);
  }

  async list(): Promise<ConductorRecord[]> {
    const rows = await this.#db.all<Row>('SELECT * FROM bm_conductors ORDER BY hostname');
    return rows.map((r) => ({
      ...r,
      started_at: Number(r.started_at),
      heartbeat_at: Number(r.heartbeat_at),
      drivers: JSON.parse(r.drivers) as string[],
    }));
  }
}
