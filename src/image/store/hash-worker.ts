// One digest, computed off the event loop: the sink copies data into slots of a shared buffer and names
// the slot; this thread hashes it and hands the slot back. Messages arrive in order, so the digest does too.
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

const { buffer, algorithm } = workerData as { buffer: SharedArrayBuffer; algorithm: string };
const hash = createHash(algorithm);
const port = parentPort!;

port.on('message', (m: { offset: number; length: number } | { done: true }) => {
  if ('done' in m) {
    port.postMessage({ digest: hash.digest('hex') });
    return;
  }
  hash.update(new Uint8Array(buffer, m.offset, m.length));
  port.postMessage({ ack: m.offset });
});
