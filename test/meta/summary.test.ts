// The closing line CI reads ("tests: N passed, N failed, N skipped") counts what node:test reports:
// the reporter on a table of events, then on a real run of a file with one test of each outcome.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import type { TestEvent } from 'node:test/reporters';
import summary from '../../scripts/summary-reporter.ts';

const REPORTER = resolve(import.meta.dirname, '../../scripts/summary-reporter.ts');

async function report(events: TestEvent[]): Promise<string> {
  let out = '';
  for await (const chunk of summary(
    (async function* () {
      yield* events;
    })(),
  ))
    out += chunk;
  return out;
}

function event(type: 'test:pass' | 'test:fail', extra: Record<string, unknown> = {}): TestEvent {
  return {
    type,
    data: { name: 't', nesting: 0, testNumber: 1, details: { duration_ms: 1 }, ...extra },
  } as never;
}

test('summary reporter: counts passes, failures, skips and todos; suites are not tests (table)', async () => {
  const table: [string, TestEvent[], string][] = [
    ['nothing ran', [], '0 passed, 0 failed, 0 skipped'],
    [
      'one of each',
      [event('test:pass'), event('test:fail'), event('test:pass', { skip: 'no tool' })],
      '1 passed, 1 failed, 1 skipped',
    ],
    ['a todo counts as skipped', [event('test:pass', { todo: true })], '0 passed, 0 failed, 1 skipped'],
    [
      'a skip with no reason is still a skip',
      [event('test:pass', { skip: true })],
      '0 passed, 0 failed, 1 skipped',
    ],
    [
      'suites are not counted',
      [
        event('test:pass', { details: { duration_ms: 1, type: 'suite' } }),
        event('test:fail', { details: { duration_ms: 1, type: 'suite' } }),
      ],
      '0 passed, 0 failed, 0 skipped',
    ],
    [
      'other events are ignored',
      [{ type: 'test:diagnostic', data: { message: 'x', nesting: 0 } } as never, event('test:pass')],
      '1 passed, 0 failed, 0 skipped',
    ],
  ];
  for (const [why, events, want] of table) assert.equal(await report(events), `\ntests: ${want}\n`, why);
});

test('summary reporter on a real node:test run', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ooo-summary-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'sample.test.ts');
  writeFileSync(
    file,
    [
      "import { describe, it, test } from 'node:test';",
      "test('passes', () => {});",
      "test('fails', () => { throw new Error('no'); });",
      "test('skips', (t) => t.skip('absent'));",
      "describe('a suite', () => { it('passes inside', () => {}); });",
      '',
    ].join('\n'),
  );
  // Without this run's NODE_TEST_* variables, or the child would take itself for part of this run.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NODE_TEST_')));
  const r = spawnSync(process.execPath, ['--test', `--test-reporter=${REPORTER}`, file], {
    encoding: 'utf8',
    env,
  });
  assert.equal(r.status, 1, `a failure fails the run: ${r.stdout}${r.stderr}`);
  assert.equal(r.stdout, '\ntests: 2 passed, 1 failed, 1 skipped\n');
});
