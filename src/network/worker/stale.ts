// A dnsmasq left behind by a previous run of the service (a crash, a SIGKILL) still holds the interface and
// would make ours fail to bind. Its pid file in the network's directory identifies it; only a process whose
// command line names that same pid file is stopped.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export async function stopStaleDnsmasq(pidFile: string): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 1 || !isOurs(pid, pidFile)) return undefined;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return undefined;
  }
  for (let i = 0; i < 60 && alive(pid); i++) await sleep(50);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  return pid;
}

function isOurs(pid: number, pidFile: string): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return args.some((a) => a.endsWith('dnsmasq')) && args.includes(`--pid-file=${pidFile}`);
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return isZombie(pid) === false;
  } catch {
    return false;
  }
}

// A killed child of a process that has not reaped it yet counts as gone.
function isZombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}
