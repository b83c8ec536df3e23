// How hard the BMC drivers try before they give up, for the whole process: Ironic's [ipmi] and [redfish]
// options. The seed sets them from ooo.json settings.baremetal.bmc ({ ipmiMinCommandIntervalMs,
// ipmiRetryTimeoutMs, powerWaitS, redfishTimeoutMs }); tests shorten them.
export interface BmcOptions {
  /** Ironic's [ipmi]min_command_interval (5 s). */
  ipmiMinCommandIntervalMs: number;
  /** Ironic's [ipmi]command_retry_timeout (60 s). */
  ipmiRetryTimeoutMs: number;
  /** How long a power change may take to show (Ironic's [conductor]power_state_change_timeout, 60 s). */
  powerWaitS: number;
  /** One Redfish request (sushy's 60 s default is long for a loopback BMC; 30 s). */
  redfishTimeoutMs: number;
}

export const BMC_DEFAULTS: Readonly<BmcOptions> = {
  ipmiMinCommandIntervalMs: 5_000,
  ipmiRetryTimeoutMs: 60_000,
  powerWaitS: 60,
  redfishTimeoutMs: 30_000,
};

let current: BmcOptions = { ...BMC_DEFAULTS };

export const bmcOptions = (): Readonly<BmcOptions> => current;

/** Applies settings.baremetal.bmc; unknown keys and non-positive numbers are refused. */
export function configureBmc(raw: unknown): void {
  const next: BmcOptions = { ...BMC_DEFAULTS };
  if (raw !== undefined) {
    if (typeof raw !== 'object' || raw === null) throw new Error('baremetal settings: bmc must be an object');
    for (const [k, v] of Object.entries(raw)) {
      if (!(k in BMC_DEFAULTS)) throw new Error(`baremetal settings: bmc has no option "${k}"`);
      if (typeof v !== 'number' || !(v >= 0))
        throw new Error(`baremetal settings: bmc.${k} must be a number ≥ 0`);
      next[k as keyof BmcOptions] = v;
    }
  }
  current = next;
}
