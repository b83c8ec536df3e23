// The user data Heat gives a server, as cloud-init multipart MIME (heat/engine/clients/os/nova.py
// build_userdata, as its behaviour is described, written here anew):
// - SOFTWARE_CONFIG: the user's part, `cfn-init-data` (the server's metadata) and `cfn-metadata-server`.
// - HEAT_CFNTOOLS (the default, and AWS::EC2::Instance's only format): a cloud-config part, a boothook, a
//   part handler that writes every `text/x-cfninitdata` part into /var/lib/heat-cfntools/<filename>,
//   the user's script as `cfn-userdata` with `loguserdata.py` to run it, then `cfn-init-data` (the
//   resource's Metadata, when it has any), `cfn-metadata-server` (the CFN endpoint without a path, which
//   os-collect-config's cfn collector reads as its heat_metadata_hint and extends with `/v1/`) and
//   `cfn-boto-cfg` (where heat-cfntools' boto finds that endpoint).
import { randomBytes } from 'node:crypto';
import type { JsonMap } from '../../model/template-format.ts';

type Part = { type: string; name: string; body: string };

function multipart(parts: Part[]): string {
  const boundary = `===============${randomBytes(8).toString('hex')}==`;
  const out = [`Content-Type: multipart/mixed; boundary="${boundary}"`, 'MIME-Version: 1.0', ''];
  for (const p of parts)
    out.push(
      `--${boundary}`,
      `Content-Type: ${p.type}; charset="us-ascii"`,
      'MIME-Version: 1.0',
      'Content-Transfer-Encoding: 7bit',
      `Content-Disposition: attachment; filename="${p.name}"`,
      '',
      p.body,
    );
  out.push(`--${boundary}--`, '');
  return out.join('\n');
}

const userPart = (userData: string): Part => ({
  type: userData.startsWith('#cloud-config') ? 'text/cloud-config' : 'text/x-shellscript',
  name: 'userdata',
  body: userData,
});

/** SOFTWARE_CONFIG: the user's part, the metadata, and the CFN metadata URL. */
export function softwareConfigUserData(
  userData: string,
  metadata: JsonMap,
  cfnBase: string | undefined,
): string {
  const parts: Part[] = [];
  if (userData !== '') parts.push(userPart(userData));
  parts.push({ type: 'text/x-cfninitdata', name: 'cfn-init-data', body: JSON.stringify(metadata) });
  if (cfnBase)
    parts.push({ type: 'text/x-cfninitdata', name: 'cfn-metadata-server', body: `${cfnBase}/v1/` });
  return multipart(parts);
}

// The instance's own files. cloud-init calls the part handler's handle_part for each part of the types
// it lists; ours keeps x-cfninitdata parts where heat-cfntools and os-collect-config look for them.
const CLOUD_CONFIG = (user: string) =>
  [
    '#cloud-config',
    ...(user ? [`user: ${user}`] : []),
    'runcmd:',
    ' - mkdir -p /var/lib/heat-cfntools',
    'output: {all: "| tee -a /var/log/cloud-init-output.log"}',
    '',
  ].join('\n');

const BOOTHOOK = (user: string) =>
  [
    '#!/bin/sh',
    '# Early on every boot: the directory the part handler writes into exists.',
    'mkdir -p /var/lib/heat-cfntools',
    'chmod 700 /var/lib/heat-cfntools',
    ...(user
      ? [
          `id ${user} >/dev/null 2>&1 || useradd -m ${user}`,
          `grep -q '^${user} ' /etc/sudoers 2>/dev/null || printf '%s\\tALL=(ALL)\\tNOPASSWD: ALL\\n' ${user} >> /etc/sudoers`,
        ]
      : []),
    '',
  ].join('\n');

const PART_HANDLER = [
  '#part-handler',
  '# Writes each text/x-cfninitdata part to /var/lib/heat-cfntools/<its filename>.',
  'import errno',
  'import os',
  '',
  '',
  'def list_types():',
  '    return ["text/x-cfninitdata"]',
  '',
  '',
  'def handle_part(data, ctype, filename, payload):',
  '    if ctype in ("__begin__", "__end__"):',
  '        return',
  '    target = "/var/lib/heat-cfntools"',
  '    try:',
  '        os.makedirs(target, 0o700)',
  '    except OSError as e:',
  '        if e.errno != errno.EEXIST:',
  '            raise',
  '    with open(os.path.join(target, os.path.basename(filename)), "w") as f:',
  '        f.write(payload)',
  '',
].join('\n');

const LOG_USER_DATA = [
  '#!/usr/bin/env python3',
  '# Runs the user data kept as cfn-userdata, its output in /var/log/heat-provision.log.',
  'import os',
  'import stat',
  'import subprocess',
  'import sys',
  '',
  'SCRIPT = "/var/lib/heat-cfntools/cfn-userdata"',
  'if not os.path.exists(SCRIPT) or os.path.getsize(SCRIPT) == 0:',
  '    sys.exit(0)',
  'os.chmod(SCRIPT, stat.S_IRUSR | stat.S_IWUSR | stat.S_IXUSR)',
  'with open("/var/log/heat-provision.log", "a") as log:',
  '    code = subprocess.call([SCRIPT], stdout=log, stderr=subprocess.STDOUT)',
  '    log.write("Provision done, exit %d\\n" % code)',
  '    sys.exit(code)',
  '',
].join('\n');

/** HEAT_CFNTOOLS: the heat-cfntools boot parts around the user's script and the resource's metadata. */
export function cfntoolsUserData(opts: {
  userData: string;
  metadata: JsonMap;
  cfnBase: string;
  /** The account the boothook and cloud-config make (ec2-user for AWS::EC2::Instance); '' for none. */
  instanceUser: string;
}): string {
  const cfn = (name: string, body: string): Part => ({ type: 'text/x-cfninitdata', name, body });
  const host = new URL(opts.cfnBase).hostname;
  const parts: Part[] = [
    { type: 'text/cloud-config', name: 'cloud-config', body: CLOUD_CONFIG(opts.instanceUser) },
    { type: 'text/cloud-boothook', name: 'boothook.sh', body: BOOTHOOK(opts.instanceUser) },
    { type: 'text/part-handler', name: 'part-handler.py', body: PART_HANDLER },
    cfn('cfn-userdata', opts.userData),
    { type: 'text/x-shellscript', name: 'loguserdata.py', body: LOG_USER_DATA },
  ];
  if (Object.keys(opts.metadata).length > 0) parts.push(cfn('cfn-init-data', JSON.stringify(opts.metadata)));
  parts.push(
    cfn('cfn-metadata-server', opts.cfnBase),
    cfn(
      'cfn-boto-cfg',
      [
        '[Boto]',
        'debug = 0',
        `is_secure = ${opts.cfnBase.startsWith('https:') ? 'True' : 'False'}`,
        'https_validate_certificates = True',
        'cfn_region_name = heat',
        `cfn_region_endpoint = ${host}`,
      ].join('\n'),
    ),
  );
  return multipart(parts);
}
