// The real CLI (python3-heatclient 3.1) on what test/orchestration/cli.test.ts leaves out: `stack event
// list --follow` (the client polls every 5 s with the last event as the marker, so every event appears
// once, in order, including those made after it started), `stack update --dry-run` with a whole new
// template (nothing changes), and `orchestration template validate` refusing bad templates with Heat's
// error — and creating nothing.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cliUnavailable, OPENSTACK, openstack } from '../support/openstack-cli.ts';
import { startTestSeed, type TestSeed } from '../support/seed.ts';

const skip = cliUnavailable();

const STACK = (value: string, extra = '') => `heat_template_version: 2018-08-31
resources:
  first:
    type: OS::Heat::TestResource
    properties: {value: ${value}}
  second:
    type: OS::Heat::Value
    properties: {value: {get_attr: [first, output]}}
${extra}outputs:
  out: {value: {get_attr: [second, value]}}
`;

describe('openstack stack event list --follow, update --dry-run, template validate', { skip }, () => {
  let seed: TestSeed;
  let dir: string;
  const os = (args: string[]) => openstack(seed.cliEnv, args, { timeoutMs: 180_000 });
  const ok = async (args: string[]) => {
    const r = await os(args);
    assert.equal(r.code, 0, `openstack ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  before(async () => {
    seed = await startTestSeed({ services: ['identity', 'orchestration'] });
    dir = mkdtempSync(join(tmpdir(), 'ooo-heat-cli2-'));
  });
  after(async () => {
    await seed?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('event list --follow prints each event once, in order, as they happen', async () => {
    await ok(['stack', 'create', '-t', file('f1.yaml', STACK('one')), '--wait', 'follow']);
    const follow: ChildProcess = spawn(OPENSTACK, ['stack', 'event', 'list', '--follow', 'follow'], {
      // Unbuffered: --follow writes without flushing, and a pipe would hold its lines back.
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: dir,
        LANG: 'C.UTF-8',
        PYTHONUNBUFFERED: '1',
        PYTHONWARNINGS: 'ignore',
        ...seed.cliEnv,
      },
    });
    let out = '';
    let err = '';
    follow.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    follow.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const exited = new Promise<void>((res) => follow.once('exit', () => res()));
    /** Waits (without a deadline of its own: the test's timeout bounds it) until the output matches. */
    const until = async (re: RegExp) => {
      while (!re.test(out)) {
        if (follow.exitCode !== null) assert.fail(`--follow exited early:\n${out}\n${err}`);
        await new Promise((res) => setTimeout(res, 200));
      }
    };
    try {
      await until(/\[follow\]: CREATE_COMPLETE {2}Stack CREATE completed successfully/);
      // Events made after --follow started arrive through its polling.
      await ok(['stack', 'update', '--existing', '-t', file('f2.yaml', STACK('two')), '--wait', 'follow']);
      await until(/\[follow\]: UPDATE_COMPLETE {2}Stack UPDATE completed successfully/);
    } finally {
      follow.kill('SIGINT');
      await exited;
    }
    const lines = out.split('\n').filter((l) => /^\d{4}-\d\d-\d\d /.test(l));
    const statuses = lines.map((l) => l.replace(/^\S+ \S+ /, ''));
    // Each event exactly once: the marker is "after this event".
    assert.equal(new Set(lines).size, lines.length, out);
    const at = (s: RegExp) => statuses.findIndex((l) => s.test(l));
    assert.ok(at(/^\[follow\]: CREATE_IN_PROGRESS/) === 0, out);
    assert.ok(at(/^\[follow\.first\]: CREATE_COMPLETE/) < at(/^\[follow\.second\]: CREATE_COMPLETE/), out);
    assert.ok(at(/^\[follow\]: CREATE_COMPLETE/) < at(/^\[follow\]: UPDATE_IN_PROGRESS/), out);
    assert.ok(at(/^\[follow\.first\]: UPDATE_COMPLETE/) > at(/^\[follow\]: UPDATE_IN_PROGRESS/), out);
    assert.equal(statuses.at(-1), '[follow]: UPDATE_COMPLETE  Stack UPDATE completed successfully');
  });

  test('update --dry-run with a new template shows the changes and changes nothing', async () => {
    const before = (await ok(['stack', 'resource', 'list', '-f', 'json', 'follow'])).json<
      { resource_name: string; physical_resource_id: string }[]
    >();
    // first is unchanged, second becomes another type (replaced), third is new.
    const t = file(
      'f3.yaml',
      'heat_template_version: 2018-08-31\nresources:\n  first:\n    type: OS::Heat::TestResource\n    properties: {value: two}\n  second:\n    type: OS::Heat::RandomString\n    properties: {length: 8}\n  third: {type: OS::Heat::None}\n',
    );
    const raw = (await ok(['stack', 'update', '--dry-run', '-t', t, '-f', 'json', 'follow'])).json<
      Record<string, string>
    >();
    const names = (k: string) =>
      (JSON.parse(raw[k] ?? '[]') as { resource_name: string }[]).map((r) => r.resource_name);
    assert.deepEqual(names('added'), ['third']);
    assert.deepEqual(names('replaced'), ['second'], 'another type replaces');
    assert.deepEqual(names('unchanged'), ['first']);
    const after = (await ok(['stack', 'resource', 'list', '-f', 'json', 'follow'])).json<
      { resource_name: string; physical_resource_id: string }[]
    >();
    assert.deepEqual(after, before, 'a dry run changes nothing');
  });

  test("template validate refuses bad templates with Heat's error, and nothing is created", async () => {
    const bad = async (name: string, text: string, re: RegExp, extra: string[] = []) => {
      const r = await os(['orchestration', 'template', 'validate', '-t', file(name, text), ...extra]);
      assert.notEqual(r.code, 0, `${name} validated:\n${r.stdout}`);
      assert.match(r.stderr, re, name);
    };
    const v = 'heat_template_version: 2018-08-31\n';
    // The client parses YAML itself and names the line; the server sees nothing.
    await bad('yaml.yaml', `${v}resources:\n  a: {type: [OS::Heat::None\n`, /line 3/);
    await bad(
      'fn.yaml',
      'heat_template_version: 2015-04-30\nresources:\n  a:\n    type: OS::Heat::Value\n    properties:\n      value: {map_merge: [{a: 1}]}\n',
      /resources\.a\.properties\.value: The function "map_merge" is not supported in heat_template_version 2015-04-30/,
    );
    await bad(
      'cycle.yaml',
      `${v}resources:\n  a: {type: OS::Heat::None, depends_on: b}\n  b: {type: OS::Heat::None, depends_on: a}\n`,
      /Circular Dependency Found: a -> b -> a/,
    );
    await bad(
      'param.yaml',
      `${v}resources:\n  a:\n    type: OS::Heat::Value\n    properties: {value: {get_param: nowhere}}\n`,
      /Property error: : resources\.a\.properties\.value: : The Parameter \(nowhere\) was not provided\./,
    );
    await bad(
      'constraint.yaml',
      `${v}parameters:\n  n:\n    type: number\n    constraints:\n      - range: {min: 1, max: 3}\n        description: one to three\n`,
      /Parameter 'n' is invalid: one to three/,
      ['--parameter', 'n=9'],
    );
    await bad(
      'type.yaml',
      `${v}resources:\n  a: {type: OS::No::Such}\n`,
      /resources\.a\.type: The Resource Type \(OS::No::Such\) could not be found\. Available types: /,
    );
    await bad(
      'attr.yaml',
      `${v}resources:\n  a: {type: OS::Heat::Value, properties: {value: 1}}\noutputs:\n  o: {value: {get_attr: [a, nosuch]}}\n`,
      /The Referenced Attribute \(a nosuch\) is incorrect/,
    );
    const list = (await ok(['stack', 'list', '-f', 'json'])).json<{ 'Stack Name': string }[]>();
    assert.deepEqual(
      list.map((s) => s['Stack Name']),
      ['follow'],
    );
  });
});
