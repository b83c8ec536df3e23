// The ramdisk's entry point: read the kernel command line (ipa-api-url and friends), run the agent until the
// node is powered off. Exits non-zero when there is nothing to talk to (no ipa-api-url) or lookup gave up.
import { readFileSync } from 'node:fs';
import { startAgent } from './agent.ts';
import { parseCmdline } from './cmdline.ts';
import { consoleLog } from './ctx.ts';
import { linuxMachine } from './linux-machine.ts';

const log = consoleLog();
const cmdlineFile = process.env['DEPLOY_AGENT_CMDLINE'] ?? '/proc/cmdline';
const settings = parseCmdline(readFileSync(cmdlineFile, 'utf8'));
const apiUrl = settings.apiUrls[0];
if (!apiUrl) {
  log.error(`no ipa-api-url on the kernel command line (${cmdlineFile}); nothing to do`);
  process.exit(2);
}
if (settings.insecure) process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0';
const controller = new AbortController();
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => controller.abort());
log.info(`starting: api ${apiUrl}, listening on port ${settings.listenPort}`);
const agent = await startAgent(
  { log, signal: controller.signal },
  {
    apiUrl,
    machine: linuxMachine({ bootMac: settings.bootMac }),
    listenHost: '0.0.0.0',
    listenPort: settings.listenPort,
    advertiseHost: settings.advertiseHost,
    advertisePort: settings.advertisePort,
    agentToken: settings.agentToken,
    requestId: settings.globalRequestId,
    apiVersion: settings.apiVersion,
    inspectionCallbackUrl: settings.inspectionCallbackUrl,
    bootMac: settings.bootMac,
    lookupTimeoutS: settings.lookupTimeoutS,
    lookupIntervalS: settings.lookupIntervalS,
  },
);
try {
  await agent.done;
} catch {
  process.exitCode = 1;
}
await agent.stop();
