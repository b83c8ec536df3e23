// The deploy timeline as a table: events in, phases with durations out.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deployTimeline, formatTimeline, type NodeEventRecord } from '../../src/baremetal/model/timeline.ts';

let id = 0;
const T0 = Date.parse('2026-12-04T10:00:00.000Z');
const ev = (
  atS: number,
  kind: string,
  from: string | null,
  to: string,
  extra: Partial<NodeEventRecord> = {},
) => {
  const at = new Date(T0 + atS * 1000).toISOString();
  return {
    id: ++id,
    kind,
    from,
    to,
    reason: kind === 'power' ? to : '',
    started_at: at,
    ended_at: at,
    duration_ms: 0,
    details: {},
    ...extra,
  } satisfies NodeEventRecord;
};
const deploy = (atS: number) =>
  ev(atS, 'provision', 'available', 'deploying', { details: { event: 'deploy' } });

describe('deployTimeline', () => {
  test("the conductor's image phase: the rate over its own seconds, not the event's bookkeeping time", () => {
    const t = deployTimeline([
      deploy(0),
      ev(80, 'phase', null, 'image written', {
        duration_ms: 3,
        details: { bytes: 771424256, seconds: 87.436 },
      }),
    ]);
    assert.equal(t?.phases.find((p) => p.label === 'image written')?.note, '771.4 MB at 8.8 MB/s');
  });

  test('an image the agent had to download again: the attempts and their reasons in the note', () => {
    const t = deployTimeline([
      deploy(0),
      ev(80, 'phase', null, 'image written', {
        details: {
          bytes: 100e6,
          seconds: 10,
          download_failures: ['attempt 1: http://x/f: the download broke off after 5 of 9 bytes: aborted'],
        },
      }),
    ]);
    assert.equal(
      t?.phases.find((p) => p.label === 'image written')?.note,
      '100.0 MB at 10.0 MB/s, 2 download attempts (attempt 1: http://x/f: the download broke off after 5 of 9 bytes: aborted)',
    );
  });

  test('no deploy recorded', () => {
    assert.equal(
      deployTimeline([ev(0, 'provision', 'enroll', 'verifying', { details: { event: 'manage' } })]),
      undefined,
    );
  });

  test('a full deploy: power on, first heartbeat, image written with MB/s, reboot, active', () => {
    const t = deployTimeline([
      deploy(0),
      ev(2, 'power', 'power off', 'power on'),
      ev(40, 'heartbeat', null, 'agent up'),
      ev(45, 'heartbeat', null, 'agent up'),
      ev(75, 'deploy-step', null, 'write_image', { duration_ms: 30_000, details: { bytes: 300e6 } }),
      ev(76, 'power', 'power on', 'power off'),
      ev(77, 'power', 'power off', 'power on'),
      ev(78, 'provision', 'deploying', 'active', { details: { event: 'done' } }),
      ev(99, 'power', 'power on', 'power off'),
    ]);
    assert.ok(t);
    assert.deepEqual(
      t.phases.map((p) => [p.label, p.durationMs / 1000, p.note]),
      [
        ['power on', 2, undefined],
        ['DHCP/boot → ramdisk up (first heartbeat)', 38, undefined],
        ['image written', 35, '300.0 MB at 10.0 MB/s'],
        ['power off', 1, undefined],
        ['reboot', 1, undefined],
        ['deploying → active', 1, undefined],
      ],
    );
    assert.equal(t.totalMs, 78_000);
    assert.equal(t.outcome, 'active');
  });

  test('the last of several deploys; a failure ends it with its reason', () => {
    const t = deployTimeline([
      deploy(0),
      ev(1, 'provision', 'deploying', 'active', { details: { event: 'done' } }),
      ev(10, 'provision', 'active', 'deploying', { details: { event: 'rebuild' } }),
      ev(13, 'provision', 'deploying', 'deploy failed', {
        reason: 'boom',
        details: { event: 'fail', severity: 'ERROR' },
      }),
    ]);
    assert.ok(t);
    assert.equal(t.startedAt, new Date(T0 + 10_000).toISOString());
    assert.deepEqual(t.phases, [
      {
        label: 'deploying → deploy failed',
        durationMs: 3000,
        endedAt: new Date(T0 + 13_000).toISOString(),
        note: 'boom',
      },
    ]);
    assert.equal(t.outcome, 'deploy failed');
  });

  test('in progress: waiting for the call-back', () => {
    const t = deployTimeline([
      deploy(0),
      ev(5, 'provision', 'deploying', 'wait call-back', { details: { event: 'wait' } }),
    ]);
    assert.equal(t?.outcome, 'wait call-back (in progress)');
    const lines = formatTimeline('n1', t!);
    assert.equal(lines[0], `n1: last deploy started ${new Date(T0).toISOString()}`);
    assert.match(lines[1]!, /^ {2}deploying → wait call-back +5\.000 s$/);
    assert.match(lines[2]!, /^ {2}total +5\.000 s {2}wait call-back \(in progress\)$/);
  });
});
