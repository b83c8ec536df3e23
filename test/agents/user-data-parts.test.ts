// instance-init's reading of user data, table-driven: a #! script, Heat's multipart (as the orchestration
// engine builds it for SOFTWARE_CONFIG servers), base64 parts, and what is left alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planUserData } from '../../src/agents/config/user-data-parts.ts';
import { softwareConfigUserData } from '../../src/orchestration/worker/resources/server-user-data.ts';

const str = (p: ReturnType<typeof planUserData>) => ({
  scripts: p.scripts.map((b) => b.toString()),
  cfnFiles: p.cfnFiles.map((f) => [f.name, f.body.toString()]),
  skipped: p.skipped,
});

const multipart = (parts: string[]) =>
  [
    'Content-Type: multipart/mixed; boundary="XX"',
    'MIME-Version: 1.0',
    '',
    'preamble',
    ...parts.flatMap((p) => ['--XX', p]),
    '--XX--',
    'epilogue',
  ].join('\n');

test('planUserData: scripts to run, cfn files to write, the rest skipped', () => {
  const cases: [string, Buffer | undefined, ReturnType<typeof str>][] = [
    ['none', undefined, { scripts: [], cfnFiles: [], skipped: [] }],
    ['empty', Buffer.alloc(0), { scripts: [], cfnFiles: [], skipped: [] }],
    [
      'a script',
      Buffer.from('#!/bin/sh\necho hi\n'),
      { scripts: ['#!/bin/sh\necho hi\n'], cfnFiles: [], skipped: [] },
    ],
    [
      'cloud-config alone',
      Buffer.from('#cloud-config\n'),
      { scripts: [], cfnFiles: [], skipped: ['unrecognised user data'] },
    ],
    [
      'multipart: script, cfn-init-data, cloud-config',
      Buffer.from(
        multipart([
          'Content-Type: text/x-shellscript\nContent-Disposition: attachment; filename="userdata"\n\n#!/bin/sh\necho a',
          'Content-Type: text/x-cfninitdata; charset="us-ascii"\nContent-Disposition: attachment;\n filename=cfn-init-data\n\n{"a": 1}',
          'Content-Type: text/cloud-config\n\n#cloud-config\n',
        ]),
      ),
      {
        scripts: ['#!/bin/sh\necho a'],
        cfnFiles: [['cfn-init-data', '{"a": 1}']],
        skipped: ['text/cloud-config'],
      },
    ],
    [
      'base64 part',
      Buffer.from(
        multipart([
          `Content-Type: text/x-shellscript\nContent-Transfer-Encoding: base64\n\n${Buffer.from('#!/bin/sh\nexit 0\n').toString('base64')}`,
        ]),
      ),
      { scripts: ['#!/bin/sh\nexit 0\n'], cfnFiles: [], skipped: [] },
    ],
    [
      'a file name that is a path',
      Buffer.from(
        multipart([
          'Content-Type: text/x-cfninitdata\nContent-Disposition: attachment; filename="../etc/x"\n\n{}',
        ]),
      ),
      { scripts: [], cfnFiles: [], skipped: ['text/x-cfninitdata without a plain file name'] },
    ],
    [
      'a shell part that is not a script',
      Buffer.from(multipart(['Content-Type: text/x-shellscript\n\necho no shebang'])),
      { scripts: [], cfnFiles: [], skipped: ['text/x-shellscript'] },
    ],
  ];
  for (const [name, ud, want] of cases) assert.deepEqual(str(planUserData(ud)), want, name);
});

test("planUserData reads the orchestration engine's SOFTWARE_CONFIG user data", () => {
  const metadata = { 'os-collect-config': { cfn: { stack_name: 's' } }, deployments: [] };
  const ud = softwareConfigUserData('#!/bin/sh\necho from heat\n', metadata, 'http://192.0.2.1:8000');
  assert.deepEqual(str(planUserData(Buffer.from(ud))), {
    scripts: ['#!/bin/sh\necho from heat\n'],
    cfnFiles: [
      ['cfn-init-data', JSON.stringify(metadata)],
      ['cfn-metadata-server', 'http://192.0.2.1:8000/v1/'],
    ],
    skipped: [],
  });
  const bare = softwareConfigUserData('', metadata, undefined);
  assert.deepEqual(str(planUserData(Buffer.from(bare))).cfnFiles, [
    ['cfn-init-data', JSON.stringify(metadata)],
  ]);
});
