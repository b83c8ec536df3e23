// settings.baremetal.fakeDelays (Ironic's [fake] *_delay): parsing, refusals, and the delay picked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeDelayMs, parseFakeDelays } from '../../src/baremetal/model/fake-delays.ts';

test('fake delays: seconds or a range per interface', () => {
  const cases: [unknown, Record<string, { min: number; max: number }>][] = [
    [undefined, {}],
    [{}, {}],
    [{ deploy: 5 }, { deploy: { min: 5, max: 5 } }],
    [
      { power: '1:3', boot: '0' },
      { power: { min: 1, max: 3 }, boot: { min: 0, max: 0 } },
    ],
    [{ inspect: 0.5 }, { inspect: { min: 0.5, max: 0.5 } }],
  ];
  for (const [raw, want] of cases) assert.deepEqual(parseFakeDelays(raw), want, JSON.stringify(raw));
});

test('fake delays: bad settings are refused with the key named', () => {
  const cases: [unknown, RegExp][] = [
    [[], /must be an object/],
    ['5', /must be an object/],
    [{ vendor: 1 }, /no interface "vendor"/],
    [{ deploy: -1 }, /fakeDelays.deploy must be seconds/],
    [{ deploy: '3:1' }, /fakeDelays.deploy/],
    [{ deploy: '1:2:3' }, /fakeDelays.deploy/],
    [{ deploy: 'soon' }, /fakeDelays.deploy/],
    [{ deploy: true }, /fakeDelays.deploy/],
  ];
  for (const [raw, want] of cases) assert.throws(() => parseFakeDelays(raw), want, JSON.stringify(raw));
});

test('fake delays: the time picked lies in the range', () => {
  const d = parseFakeDelays({ power: '2:4' });
  assert.equal(fakeDelayMs(d, 'power', 0), 2000);
  assert.equal(fakeDelayMs(d, 'power', 0.5), 3000);
  assert.equal(fakeDelayMs(d, 'deploy', 0.5), 0);
});
