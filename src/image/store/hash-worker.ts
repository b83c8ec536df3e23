// One digest, computed off the event loop: the sink copies data into slots of a shared buffer and names
// the slot; this thread hashes it (and, for one of the two threads, writes it to the file) and hands the
// slot back. Messages arrive in order, so the digest and the file do too.
import { createHash } from 'node:crypto';
import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const { buffer, algorithm, fd } = workerData as { buffer: SharedArrayBuffer; algorithm: string; fd?: number };
const hash = createHash(algorithm);
const port = parentPort!;
let failed = false;

port.on('message', (m: { offset: number; length: number; position: number } | { done: true }) => {
  if ('done' in m) {
    if (!failed) port.postMessage({ digest: hash.digest('hex') });
    return;
  }
  const view = new Uint8Array(buffer, m.offset, m.length);
  if (!failed) {
    hash.update(view);
    if (fd !== undefined) {
      try {
        // A blocking write is fine here: this thread exists to do this work, the event loop is elsewhere.
        for (let done = 0; done < m.length; )
          done += writeSync(fd, view, done, m.length - done, m.position + done);
      } catch (e) {
        failed = true;
        port.postMessage({ error: (e as Error).message });
      }
    }
  }
  port.postMessage({ ack: m.offset });
});
