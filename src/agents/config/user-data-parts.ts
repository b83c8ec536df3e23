// User data as cloud-init reads it, for what instance-init does: a `#!` script, or a MIME multipart
// (what Heat sends with user_data_format SOFTWARE_CONFIG) whose `text/x-shellscript` parts are scripts and
// whose `text/x-cfninitdata` parts are files for /var/lib/heat-cfntools — what heat-cfntools' cloud-init
// part handler wrote, and where os-collect-config's heat_local collector reads cfn-init-data. Pure.

export interface UserDataPlan {
  /** Scripts to run once per instance, in order. */
  scripts: Buffer[];
  /** Files for the heat-cfntools directory (basename → content). */
  cfnFiles: { name: string; body: Buffer }[];
  /** Parts not handled here (content types), for the log. */
  skipped: string[];
}

const isScript = (b: Buffer) => b.subarray(0, 2).toString('latin1') === '#!';

/** Header block → lower-cased names to values (continuation lines folded). */
function headers(block: string): Map<string, string> {
  const out = new Map<string, string>();
  let last = '';
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && last) {
      out.set(last, `${out.get(last)} ${line.trim()}`);
      continue;
    }
    const i = line.indexOf(':');
    if (i <= 0) continue;
    last = line.slice(0, i).trim().toLowerCase();
    out.set(last, line.slice(i + 1).trim());
  }
  return out;
}

/** A parameter of a header value (`boundary`, `filename`), quoted or not. */
function param(value: string | undefined, name: string): string | undefined {
  const m = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]*))`, 'i').exec(value ?? '');
  return m ? (m[1] ?? m[2]) : undefined;
}

/** Splits at the first empty line: headers, then the body. */
function splitHead(text: string): [string, string] {
  const m = /\r?\n\r?\n/.exec(text);
  return m ? [text.slice(0, m.index), text.slice(m.index + m[0].length)] : [text, ''];
}

/** A file name safe to put in a directory: a plain basename, else undefined. */
function safeName(name: string | undefined): string | undefined {
  return name && /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name) ? name : undefined;
}

export function planUserData(userData: Buffer | undefined): UserDataPlan {
  const plan: UserDataPlan = { scripts: [], cfnFiles: [], skipped: [] };
  if (!userData || userData.length === 0) return plan;
  if (isScript(userData)) {
    plan.scripts.push(userData);
    return plan;
  }
  const text = userData.toString('latin1');
  const [head, body] = splitHead(text);
  const type = headers(head).get('content-type') ?? '';
  const boundary = param(type, 'boundary');
  if (!/^multipart\//i.test(type) || !boundary) {
    plan.skipped.push(type || 'unrecognised user data');
    return plan;
  }
  const chunks = body.split(new RegExp(`(?:^|\\r?\\n)--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  // chunks[0] is the preamble; a chunk starting with "--" is the end marker and what follows it.
  for (const chunk of chunks.slice(1)) {
    if (chunk.startsWith('--')) break;
    const [partHead, partBody] = splitHead(chunk.replace(/^[ \t]*\r?\n/, ''));
    const h = headers(partHead);
    const partType = (h.get('content-type') ?? 'text/plain').split(';')[0]!.trim().toLowerCase();
    const encoding = (h.get('content-transfer-encoding') ?? '').toLowerCase();
    const content = encoding === 'base64' ? Buffer.from(partBody, 'base64') : Buffer.from(partBody, 'latin1');
    if (partType === 'text/x-shellscript' && isScript(content)) plan.scripts.push(content);
    else if (partType === 'text/x-cfninitdata') {
      const name = safeName(param(h.get('content-disposition'), 'filename'));
      if (name) plan.cfnFiles.push({ name, body: content });
      else plan.skipped.push(`${partType} without a plain file name`);
    } else plan.skipped.push(partType);
  }
  return plan;
}
