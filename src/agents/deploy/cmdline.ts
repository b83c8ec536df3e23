// The kernel command line the conductor's PXE config gives the ramdisk, read as IPA's config.py does.
import { normaliseMac } from './hardware.ts';

export interface AgentSettings {
  apiUrls: string[];
  inspectionCallbackUrl: string | undefined;
  agentToken: string | undefined;
  globalRequestId: string | undefined;
  insecure: boolean;
  listenPort: number;
  advertiseHost: string | undefined;
  advertisePort: number | undefined;
  lookupTimeoutS: number;
  lookupIntervalS: number;
  apiVersion: string | undefined;
  bootMac: string | undefined;
  debug: boolean;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);

/** Splits a command line into key=value pairs (a bare word maps to ''), honouring double quotes. */
export function splitCmdline(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/(?:[^\s"]+|"[^"]*")+/g)) {
    const word = m[0].replace(/"/g, '');
    const i = word.indexOf('=');
    if (i < 0) out.set(word, '');
    else out.set(word.slice(0, i), word.slice(i + 1));
  }
  return out;
}

function intArg(args: Map<string, string>, key: string, dflt: number): number {
  const v = args.get(key);
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${key}=${v}: not a non-negative integer`);
  return n;
}

export function parseCmdline(text: string): AgentSettings {
  const args = splitCmdline(text);
  const apiUrls = (args.get('ipa-api-url') ?? '')
    .split(',')
    .map((u) => u.trim().replace(/\/+$/, ''))
    .filter(Boolean);
  for (const u of apiUrls) {
    if (!/^https?:\/\/[^/]+/.test(u)) throw new Error(`ipa-api-url=${u}: not an http(s) URL`);
  }
  const bootif = args.get('BOOTIF');
  // PXELINUX's ipappend 2 gives 01-aa-bb-..., iPXE's ${mac} gives aa:bb:...
  const bootMac = bootif ? normaliseMac(bootif.replace(/^01-/, '')) : undefined;
  return {
    apiUrls,
    inspectionCallbackUrl: args.get('ipa-inspection-callback-url') || undefined,
    agentToken: args.get('ipa-agent-token') || undefined,
    globalRequestId: args.get('ipa-global-request-id') || undefined,
    insecure: TRUE.has((args.get('ipa-insecure') ?? '').toLowerCase()),
    listenPort: intArg(args, 'ipa-listen-port', 9999),
    advertiseHost: args.get('ipa-advertise-host') || undefined,
    advertisePort: args.has('ipa-advertise-port') ? intArg(args, 'ipa-advertise-port', 9999) : undefined,
    lookupTimeoutS: intArg(args, 'ipa-lookup-timeout', 600),
    lookupIntervalS: intArg(args, 'ipa-lookup-interval', 1),
    apiVersion: args.get('ipa-ironic-api-version') || undefined,
    bootMac,
    debug: TRUE.has((args.get('ipa-debug') ?? '').toLowerCase()),
  };
}
