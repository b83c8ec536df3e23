// Ironic's [fake] *_delay options: how long an operation of a fake-hardware interface takes, in seconds,
// a whole number or a range "min:max" (a random time in it). Tests and dry runs use them to hold a node in
// an action state (deploying, cleaning, ...) long enough to see a conductor die in the middle of it.
export const FAKE_DELAY_INTERFACES = ['power', 'boot', 'deploy', 'management', 'inspect', 'rescue'] as const;
export type FakeDelayInterface = (typeof FAKE_DELAY_INTERFACES)[number];

export type FakeDelays = Readonly<Partial<Record<FakeDelayInterface, { min: number; max: number }>>>;

/** settings.baremetal.fakeDelays, e.g. {"deploy": 5, "power": "1:3"}; anything else is refused. */
export function parseFakeDelays(raw: unknown): FakeDelays {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error('baremetal settings: fakeDelays must be an object');
  const out: Partial<Record<FakeDelayInterface, { min: number; max: number }>> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!(FAKE_DELAY_INTERFACES as readonly string[]).includes(k))
      throw new Error(
        `baremetal settings: fakeDelays has no interface "${k}" (known: ${FAKE_DELAY_INTERFACES.join(', ')})`,
      );
    const range = typeof v === 'number' ? [v, v] : typeof v === 'string' ? v.split(':').map(Number) : [];
    const [min, max = min] = range;
    if (range.length < 1 || range.length > 2 || !(min! >= 0) || !(max! >= min!))
      throw new Error(
        `baremetal settings: fakeDelays.${k} must be seconds ≥ 0 or a range "min:max", not ${JSON.stringify(v)}`,
      );
    out[k as FakeDelayInterface] = { min: min!, max: max! };
  }
  return out;
}

/** The delay of one operation in milliseconds; `random` in [0, 1). */
export function fakeDelayMs(delays: FakeDelays, iface: FakeDelayInterface, random: number): number {
  const d = delays[iface];
  if (!d) return 0;
  return Math.round((d.min + (d.max - d.min) * random) * 1000);
}
