// `ooo start` (what `npm start` runs): the seed, and once it answers, a lab of two machines (one IPMI, one
// Redfish) enrolled and made available, and one of them deployed with the user image, printing progress and
// the deploy timeline; then it keeps serving until Ctrl-C, and takes the lab down on the way out.
// `--no-lab` serves the seed alone; `--no-demo` makes the lab and enrols it without deploying.
import { join } from 'node:path';
import { runLabDemo } from '../../lab/demo.ts';
import { buildDemoImages } from '../../lab/demo-images.ts';
import { createLogger } from '../../platform/log/logger.ts';
import { run } from '../../platform/proc/run.ts';
import type { CliIo } from '../io.ts';
import { seedUp } from './seed-up.ts';

const OOO = join(import.meta.dirname, '../../../bin/ooo');

export async function startCommand(
  argv: string[],
  io: CliIo,
  signals: NodeJS.EventEmitter = process,
): Promise<number> {
  const lab = !argv.includes('--no-lab');
  const demo = lab && !argv.includes('--no-demo');
  const rest = argv.filter((a) => a !== '--no-lab' && a !== '--no-demo');
  const stop = new AbortController();
  const ctx = { log: createLogger({ level: 'warn', destination: io.stderr }), signal: stop.signal };
  const say = (line: string) => io.stdout.write(`${line}\n`);
  let labDir: string | undefined;
  let running: Promise<void> | undefined;

  const onReady = (stateDir: string) => {
    if (!lab) return;
    if (process.getuid?.() !== 0) {
      say('lab: not started: the lab needs root (namespaces, taps); run as root or pass --no-lab');
      return;
    }
    labDir = stateDir;
    running = (async () => {
      const images = await buildDemoImages(ctx, join(stateDir, 'lab-images'), say);
      const result = await runLabDemo(
        ctx,
        {
          stateDir,
          nodes: 2,
          bmc: 'mixed',
          memoryMiB: 768,
          diskGiB: 2,
          deployKernel: images.kernel,
          deployRamdisk: images.ramdisk,
          userImage: images.user,
          deploy: demo ? [0] : [],
          inspect: false,
          undeploy: false,
          waitS: 1800,
        },
        { say },
      );
      say(
        `demo: done — ${result.phases.map((p) => `${p.name} ${p.seconds} s`).join(', ')}; ` +
          `${result.deployed.length > 0 ? `${result.deployed.join(', ')} runs the user image (ooo lab console ${result.deployed[0]})` : 'nodes available'}`,
      );
    })().catch((e) => {
      if (!stop.signal.aborted) say(`demo: failed: ${(e as Error).message}`);
    });
  };

  // The lab leaves while the seed still serves, so its network is removed from the seed too.
  const beforeStop = async () => {
    stop.abort();
    await running;
    if (!labDir) return;
    const quiet = { signal: new AbortController().signal };
    const down = await run(quiet, OOO, ['lab', 'down', '--state-dir', labDir], { allowFail: true });
    io.stdout.write(down.stdout + down.stderr);
  };
  const code = await seedUp(rest, io, signals, onReady, beforeStop);
  return code;
}
