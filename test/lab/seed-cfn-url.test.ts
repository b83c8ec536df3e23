// Where lab guests are told the CFN API is: `ooo seed up` gives Heat the lab's bridge address as the host
// (an operator's own cfnUrl or cfnHost wins), and the engine puts it, with the port it serves, into every
// machine's metadata_url and signal URLs. Pure, table-driven.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { withLabOrchestration } from '../../src/lab/seed-settings.ts';
import { machineCfnUrl, orchestrationSettings } from '../../src/orchestration/index.ts';

type Settings = Record<string, Record<string, unknown>>;

describe('the seed tells Heat the lab bridge as the CFN host', () => {
  const cases: [string, Settings, Settings][] = [
    ['by default', {}, { orchestration: { cfnHost: '192.0.2.1' } }],
    [
      'beside other settings',
      { orchestration: { region: 'R' } },
      { orchestration: { region: 'R', cfnHost: '192.0.2.1' } },
    ],
    [
      "an operator's URL wins",
      { orchestration: { cfnUrl: 'http://h:8000' } },
      { orchestration: { cfnUrl: 'http://h:8000' } },
    ],
    [
      "an operator's host wins",
      { orchestration: { cfnHost: '10.0.0.1' } },
      { orchestration: { cfnHost: '10.0.0.1' } },
    ],
  ];
  for (const [name, given, want] of cases)
    test(name, () => assert.deepEqual(withLabOrchestration(given), want));
});

describe("machines' CFN URL", () => {
  const served = 'http://127.0.0.1:38000';
  const cases: [string, Record<string, unknown>, string | undefined, string | undefined][] = [
    ['where it is served, without settings', {}, served, served],
    ['the host replaced, the port kept', { cfnHost: '192.0.2.1' }, served, 'http://192.0.2.1:38000'],
    [
      'cfnUrl over cfnHost',
      { cfnHost: '192.0.2.1', cfnUrl: 'http://cfn.example:8000' },
      served,
      'http://cfn.example:8000',
    ],
    ['nothing served, no URL', { cfnHost: '192.0.2.1' }, undefined, undefined],
    ['an empty host is no host', { cfnHost: '' }, served, served],
  ];
  for (const [name, raw, s, want] of cases)
    test(name, () => assert.equal(machineCfnUrl(orchestrationSettings(raw), s), want));
});
