// The dnsmasq supervisor holds a reload until dnsmasq has started: a SIGHUP before then kills the
// `ip netns exec` in front of it (how the DHCP restart test once lost its orphan) or reaches a dnsmasq
// that ignores it while starting. A stand-in that dies of an early SIGHUP, as those do, shows the wait.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { Dnsmasq } from '../../src/network/worker/dnsmasq.ts';

// SIGHUP keeps its default action (death) until the stand-in is told to go on (SIGUSR1); then it
// traps SIGHUP and logs "started" as dnsmasq does.
const STAND_IN = [
  "trap 'go=1' USR1",
  'echo "stand-in: waiting" >&2',
  'while [ -z "$go" ]; do sleep 1 & wait $!; done',
  'trap \'echo "dnsmasq[1]: read hosts" >&2\' HUP',
  'echo "dnsmasq[1]: started, version 2.90 DNS disabled" >&2',
  'while :; do sleep 1 & wait $!; done',
].join('\n');

test('a reload asked for while dnsmasq starts is sent once it has started', async () => {
  const seen: { text: string; done: () => void }[] = [];
  const line = (text: string) => new Promise<void>((done) => seen.push({ text, done }));
  const waiting = line('stand-in: waiting');
  const reloaded = line('read hosts');
  const sink = new Writable({
    write(chunk, _e, done) {
      for (const s of seen) if (String(chunk).includes(s.text)) s.done();
      done();
    },
  });
  let died: (e: Error) => void = () => {};
  const death = new Promise<never>((_ok, fail) => {
    died = fail;
  });
  let running: () => void = () => {};
  const isRunning = new Promise<void>((done) => {
    running = done;
  });
  const states: string[] = [];
  const d = new Dnsmasq({
    command: ['sh', '-c', STAND_IN],
    log: pino({ level: 'debug' }, sink),
    restartDelayMs: 60_000,
    onState: (s, _pid, message) => {
      states.push(s);
      if (s === 'running') running();
      if (s === 'restarting') died(new Error(`the stand-in died: ${message}`));
    },
  });
  try {
    d.start();
    assert.equal(d.state, 'starting');
    assert.equal(d.reload(), true, 'the reload is taken while starting');
    await Promise.race([waiting, death]);
    process.kill(d.pid!, 'SIGUSR1');
    await Promise.race([isRunning, death]);
    await Promise.race([reloaded, death]);
    assert.deepEqual(states, ['starting', 'running']);
    assert.equal(d.restarts, 0);
  } finally {
    await d.stop();
  }
  assert.equal(d.state, 'stopped');
});
