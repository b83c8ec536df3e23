// Software deployments: which config a server is to apply for which action, and what it answered.
// Input and output values may hold passwords: both are sealed at rest, bound to the deployment.
import type { SecretBox } from '../../platform/crypto/secret-box.ts';
import type { Database, Queryable } from '../../platform/db/types.ts';
import type { JsonMap } from '../model/template-format.ts';

export interface DeploymentRow {
  id: string;
  projectId: string;
  serverId: string;
  configId: string;
  action: string;
  status: string;
  statusReason: string;
  inputValues: JsonMap;
  outputValues: JsonMap;
  /** The stack resource that owns it; null for one made through the software_deployments API. */
  stackId: string | null;
  resourceName: string | null;
  createdAt: number;
  updatedAt: number | null;
}

type Raw = Record<string, unknown>;

export class DeploymentStore {
  readonly #db: Database;
  readonly #seal: (text: string, context: string) => string;
  readonly #open: (text: string, context: string) => string;

  constructor(db: Database, secrets?: SecretBox) {
    this.#db = db;
    this.#seal = secrets ? (t, c) => secrets.seal(t, c) : (t) => t;
    this.#open = secrets ? (t, c) => secrets.open(t, c) : (t) => t;
  }

  #row(r: Raw): DeploymentRow {
    const id = r.id as string;
    return {
      id,
      projectId: r.project_id as string,
      serverId: r.server_id as string,
      configId: r.config_id as string,
      action: r.action as string,
      status: r.status as string,
      statusReason: r.status_reason as string,
      inputValues: JSON.parse(this.#open(r.input_values as string, `orchestration:deployment:${id}:inputs`)),
      outputValues: JSON.parse(
        this.#open(r.output_values as string, `orchestration:deployment:${id}:outputs`),
      ),
      stackId: (r.stack_id as string | null) ?? null,
      resourceName: (r.resource_name as string | null) ?? null,
      createdAt: Number(r.created_at),
      updatedAt: r.updated_at === null || r.updated_at === undefined ? null : Number(r.updated_at),
    };
  }

  async save(d: DeploymentRow, q: Queryable = this.#db): Promise<void> {
    const inputs = this.#seal(JSON.stringify(d.inputValues), `orchestration:deployment:${d.id}:inputs`);
    const outputs = this.#seal(JSON.stringify(d.outputValues), `orchestration:deployment:${d.id}:outputs`);
    await q.run('DELETE FROM heat_deployments WHERE id = ?', [d.id]);
    await q.run(
      `INSERT INTO heat_deployments (id, project_id, server_id, config_id, action, status, status_reason,
         input_values, output_values, stack_id, resource_name, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        d.id,
        d.projectId,
        d.serverId,
        d.configId,
        d.action,
        d.status,
        d.statusReason,
        inputs,
        outputs,
        d.stackId,
        d.resourceName,
        d.createdAt,
        d.updatedAt,
      ],
    );
  }

  async get(id: string): Promise<DeploymentRow | undefined> {
    const r = await this.#db.get<Raw>('SELECT * FROM heat_deployments WHERE id = ?', [id]);
    return r ? this.#row(r) : undefined;
  }

  async list(filter: { projectId?: string; serverId?: string }): Promise<DeploymentRow[]> {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.projectId !== undefined) {
      where.push('project_id = ?');
      args.push(filter.projectId);
    }
    if (filter.serverId !== undefined) {
      where.push('server_id = ?');
      args.push(filter.serverId);
    }
    const rows = await this.#db.all<Raw>(
      `SELECT * FROM heat_deployments${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id`,
      args,
    );
    return rows.map((r) => this.#row(r));
  }

  /** The deployments a stack resource owns (one; a failed create leaves no physical id to find it by). */
  async ofResource(stackId: string, resourceName: string): Promise<DeploymentRow[]> {
    const rows = await this.#db.all<Raw>(
      'SELECT * FROM heat_deployments WHERE stack_id = ? AND resource_name = ?',
      [stackId, resourceName],
    );
    return rows.map((r) => this.#row(r));
  }

  async delete(id: string): Promise<boolean> {
    return (await this.#db.run('DELETE FROM heat_deployments WHERE id = ?', [id])).changes === 1;
  }
}
