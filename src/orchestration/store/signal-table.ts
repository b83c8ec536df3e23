// heat_signals: signals sent to a resource (wait condition handles), kept apart from the engine's fenced
// rows so that a signal never waits for a stack's lease.
import type { Database } from '../../platform/db/types.ts';
import type { JsonMap } from '../model/template-format.ts';
import { j, type Raw } from './columns.ts';

export class SignalTable {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async add(stackId: string, resourceName: string, data: JsonMap): Promise<void> {
    await this.#db.run(
      'INSERT INTO heat_signals (stack_id, resource_name, data, created_at) VALUES (?, ?, ?, ?)',
      [stackId, resourceName, JSON.stringify(data), Date.now()],
    );
  }

  async list(stackId: string, resourceName: string): Promise<JsonMap[]> {
    const rows = await this.#db.all<Raw>(
      'SELECT data FROM heat_signals WHERE stack_id = ? AND resource_name = ? ORDER BY seq',
      [stackId, resourceName],
    );
    return rows.map((r) => j(r.data, {}));
  }

  async delete(stackId: string, resourceName: string): Promise<void> {
    await this.#db.run('DELETE FROM heat_signals WHERE stack_id = ? AND resource_name = ?', [
      stackId,
      resourceName,
    ]);
  }
}
