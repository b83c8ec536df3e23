// The lab's processes, found by what is unique to them (the lab directory on their command line) or by a
// recorded pid checked the same way, so a recycled pid or another engineer's QEMU is never touched.
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

function cmdline(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** Pids of live processes with an argument inside dir (or equal to it). */
export function processesUnder(dir: string): number[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const args = cmdline(pid);
    if (args?.some((a) => a === dir || a.includes(prefix))) out.push(pid);
  }
  return out;
}

/** Running: a zombie has ended (ours are init's children, reaped whenever init gets to it). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL for whatever is left after a grace period. Returns the pids signalled. */
export async function endProcesses(pids: number[], graceMs = 3000): Promise<number[]> {
  const hit = pids.filter((pid) => {
    try {
      process.kill(pid, 'SIGTERM');
      return true;
    } catch {
      return false;
    }
  });
  for (let waited = 0; waited < graceMs && hit.some(alive); waited += 50) await sleep(50);
  for (const pid of hit.filter(alive)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  for (let waited = 0; waited < graceMs && hit.some(alive); waited += 50) await sleep(50);
  return hit;
}
