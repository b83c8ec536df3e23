// Ironic microversions: 1.N, from MIN to MAX. A request without a header gets 1.1 semantics; "latest"
// means MAX; anything outside the range is refused with 406 by the API layer.

export const MIN_VERSION = 1;
/** The highest 1.N this service honours: node history (1.78) is the last feature it serves. */
export const MAX_VERSION = 78;

export const versionString = (n: number) => `1.${n}`;

export type VersionParse = { ok: true; minor: number } | { ok: false; reason: string; status: 400 | 406 };

/** Reads X-OpenStack-Ironic-API-Version or "OpenStack-API-Version: baremetal 1.N". */
export function parseVersion(
  ironicHeader: string | undefined,
  genericHeader: string | undefined,
): VersionParse {
  let raw = ironicHeader?.trim();
  if (!raw && genericHeader) {
    const m = /(?:^|,)\s*baremetal\s+(\S+)\s*(?:,|$)/i.exec(genericHeader);
    raw = m?.[1];
  }
  if (!raw) return { ok: true, minor: MIN_VERSION };
  if (raw.toLowerCase() === 'latest') return { ok: true, minor: MAX_VERSION };
  const m = /^(\d+)\.(\d+)$/.exec(raw);
  if (!m)
    return {
      ok: false,
      status: 400,
      reason: `Invalid value for X-OpenStack-Ironic-API-Version header: ${raw}`,
    };
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major !== 1 || minor < MIN_VERSION || minor > MAX_VERSION) {
    return {
      ok: false,
      status: 406,
      reason:
        `Version ${raw} was requested but the minor version is not supported by this service. ` +
        `The supported version range is: [${versionString(MIN_VERSION)}, ${versionString(MAX_VERSION)}].`,
    };
  }
  return { ok: true, minor };
}
