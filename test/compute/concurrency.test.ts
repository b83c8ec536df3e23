// Quotas and uniqueness under concurrency, on both engines: parallel creates never pass a quota's last
// slot, never give two keypairs one id, and a name raced for is won exactly once.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { computeService } from '../../src/compute/index.ts';
import {
  createDatabase,
  postgresUnavailable,
  startPostgres,
  type TestPostgres,
} from '../support/postgres.ts';
import { startServiceApp, type TestServiceApp } from '../support/service-app.ts';

const ED = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGtX6gTx2bW2Ho2vIMeV3j3Pq8zQn3ULnJPaKTJy2y1H me';

for (const engine of ['sqlite', 'postgres'] as const) {
  describe(`compute concurrency [${engine}]`, {
    skip: engine === 'postgres' ? postgresUnavailable() : undefined,
  }, () => {
    let svc: TestServiceApp;
    let pg: TestPostgres | undefined;
    const post = async (token: string, url: string, payload: unknown) => {
      const res = await svc.app.inject({
        method: 'POST',
        url,
        headers: svc.as(token),
        payload: payload as object,
      });
      // biome-ignore lint/suspicious/noExplicitAny: tests read JSON replies freely
      return { status: res.statusCode, body: res.json() as any };
    };
    before(async () => {
      pg = engine === 'postgres' ? await startPostgres() : undefined;
      svc = await startServiceApp(computeService, {
        databaseUrl: pg && createDatabase(pg.url, `cmpc_${randomBytes(4).toString('hex')}`),
        settings: { quotaDefaults: { server_groups: 10, key_pairs: 12 } },
      });
    });
    after(async () => {
      await svc?.close();
      pg?.stop();
    });

    test('30 parallel server group creates on a quota of 10: exactly 10 made, 20 refused', async () => {
      const outcomes = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          post('member', '/v2.1/os-server-groups', {
            server_group: { name: `g${i}`, policies: ['affinity'] },
          }),
        ),
      );
      const ok = outcomes.filter((o) => o.status === 200);
      const refused = outcomes.filter((o) => o.status !== 200);
      assert.equal(ok.length, 10, `successes (failures: ${JSON.stringify(refused.slice(0, 2))})`);
      assert.equal(refused.length, 20);
      for (const r of refused) {
        assert.equal(r.status, 403);
        assert.match(r.body.forbidden.message, /Quota exceeded/);
      }
      const listed = await svc.app.inject({
        method: 'GET',
        url: '/v2.1/os-server-groups',
        headers: svc.as('member'),
      });
      assert.equal(listed.json().server_groups.length, 10, 'nothing beyond the quota was stored');
    });

    test('20 parallel keypair imports: one name won once; distinct names get distinct ids within the quota', async () => {
      const same = await Promise.all(
        Array.from({ length: 20 }, () =>
          post('other', '/v2.1/os-keypairs', { keypair: { name: 'dup', public_key: ED } }),
        ),
      );
      assert.equal(same.filter((o) => o.status === 200).length, 1);
      for (const o of same.filter((x) => x.status !== 200)) {
        assert.equal(o.status, 409, JSON.stringify(o.body));
        assert.match(o.body.conflictingRequest.message, /already exists/);
      }
      const distinct = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          post('member', '/v2.1/os-keypairs', { keypair: { name: `k${i}`, public_key: ED } }),
        ),
      );
      const made = distinct.filter((o) => o.status === 200);
      assert.equal(
        made.length,
        12,
        JSON.stringify(distinct.filter((o) => o.status !== 200 && o.status !== 403).slice(0, 2)),
      );
      for (const o of distinct.filter((x) => x.status !== 200)) assert.equal(o.status, 403);
      const ids = await Promise.all(
        made.map(async (o) => {
          const r = await svc.app.inject({
            method: 'GET',
            url: `/v2.1/os-keypairs/${o.body.keypair.name}`,
            headers: svc.as('member'),
          });
          return r.json().keypair.id as number;
        }),
      );
      assert.equal(new Set(ids).size, 12, 'ids are unique');
    });
  });
}
