import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isUniqueViolation } from '../../src/platform/db/errors.ts';
import { migrate, splitStatements } from '../../src/platform/db/migrate.ts';
import { toPostgresPlaceholders } from '../../src/platform/db/placeholders.ts';
import { forEachEngine } from '../support/engines.ts';

test('placeholders are numbered outside quotes only', () => {
  const cases: [string, string][] = [
    ['SELECT ?', 'SELECT $1'],
    ['a = ? AND b = ?', 'a = $1 AND b = $2'],
    ["x = '?' AND y = ?", "x = '?' AND y = $1"],
    ['"we?ird" = ?', '"we?ird" = $1'],
    ['no params', 'no params'],
  ];
  for (const [input, want] of cases) assert.equal(toPostgresPlaceholders(input), want, input);
});

test('migration scripts split into statements', () => {
  assert.deepEqual(splitStatements('CREATE TABLE a (x TEXT);\nCREATE INDEX i ON a (x);\n'), [
    'CREATE TABLE a (x TEXT)',
    'CREATE INDEX i ON a (x)',
  ]);
  assert.deepEqual(splitStatements('  \n'), []);
});

forEachEngine('database', (fresh) => {
  const schema = [{ id: '0001', sql: 'CREATE TABLE t (id TEXT PRIMARY KEY, n BIGINT NOT NULL, note TEXT)' }];

  test('migrations apply once and are recorded', async () => {
    const db = await fresh();
    assert.deepEqual(await migrate(db, 'svc', schema), ['0001']);
    assert.deepEqual(await migrate(db, 'svc', schema), []);
    const more = [...schema, { id: '0002', sql: 'ALTER TABLE t ADD COLUMN extra TEXT' }];
    assert.deepEqual(await migrate(db, 'svc', more), ['0002']);
  });

  test('a failing migration applies nothing of itself', async () => {
    const db = await fresh();
    await migrate(db, 'svc', schema);
    const bad = [...schema, { id: '0002', sql: 'CREATE TABLE u (x TEXT);\nCREATE TABLE t (dup TEXT)' }];
    await assert.rejects(migrate(db, 'svc', bad));
    await assert.rejects(db.all('SELECT * FROM u'), 'table u must not exist after the rollback');
    assert.deepEqual(await migrate(db, 'svc', schema), []);
  });

  test('queries bind values and round-trip big integers as numbers', async () => {
    const db = await fresh();
    await migrate(db, 'svc', schema);
    await db.run('INSERT INTO t (id, n, note) VALUES (?, ?, ?)', ['a', 2 ** 40, "it's \u00e9 \u{1F600}"]);
    const row = await db.get<{ id: string; n: number; note: string }>('SELECT * FROM t WHERE id = ?', ['a']);
    assert.deepEqual(row, { id: 'a', n: 2 ** 40, note: "it's \u00e9 \u{1F600}" });
    assert.equal(await db.get('SELECT * FROM t WHERE id = ?', ['missing']), undefined);
  });

  test('a transaction that throws leaves nothing behind', async () => {
    const db = await fresh();
    await migrate(db, 'svc', schema);
    await assert.rejects(
      db.tx(async (q) => {
        await q.run('INSERT INTO t (id, n) VALUES (?, ?)', ['x', 1]);
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.deepEqual(await db.all('SELECT * FROM t'), []);
  });

  test('unique violations are recognised on every engine', async () => {
    const db = await fresh();
    await migrate(db, 'svc', schema);
    await db.run('INSERT INTO t (id, n) VALUES (?, ?)', ['a', 1]);
    const err = await db.run('INSERT INTO t (id, n) VALUES (?, ?)', ['a', 2]).catch((e: unknown) => e);
    assert.ok(isUniqueViolation(err), String(err));
  });

  test('concurrent read-modify-write transactions do not lose updates', async () => {
    const db = await fresh();
    await migrate(db, 'svc', schema);
    await db.run('INSERT INTO t (id, n) VALUES (?, ?)', ['c', 0]);
    await Promise.all(
      Array.from({ length: 20 }, () =>
        db.tx(
          async (q) => {
            const row = await q.get<{ n: number }>('SELECT n FROM t WHERE id = ?', ['c']);
            await q.run('UPDATE t SET n = ? WHERE id = ?', [(row?.n ?? 0) + 1, 'c']);
          },
          { serializable: true },
        ),
      ),
    );
    assert.equal((await db.get<{ n: number }>('SELECT n FROM t WHERE id = ?', ['c']))?.n, 20);
  });
});
