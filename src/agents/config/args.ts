// A small argparse: long options with unique-prefix abbreviation and "=value", short options with
// attached values, "*" lists that run until the next option, and argparse's error exit (status 2).

export type OptSpec = {
  names: string[]; // e.g. ['-t', '--templates']
  dest: string;
  kind: 'flag' | 'value' | 'list' | 'version' | 'help';
  choices?: string[];
  int?: boolean;
};

export type Parsed = Record<string, string | string[] | boolean | number | undefined>;

export class ArgError extends Error {}

export function usageError(prog: string, usage: string, msg: string): never {
  process.stderr.write(`${usage}\n${prog}: error: ${msg}\n`);
  process.exit(2);
}

function looksLikeOption(a: string): boolean {
  return a.startsWith('-') && a !== '-' && !/^-\d+$|^-\d*\.\d+$/.test(a);
}

export function parseArgs(argv: string[], specs: OptSpec[]): { opts: Parsed; positionals: string[] } {
  const opts: Parsed = {};
  const positionals: string[] = [];
  const longs = specs.flatMap((s) => s.names.filter((n) => n.startsWith('--')).map((n) => [n, s] as const));
  const findLong = (name: string): OptSpec => {
    const exact = longs.find(([n]) => n === name);
    if (exact) return exact[1];
    const hits = longs.filter(([n]) => n.startsWith(name));
    if (hits.length === 1) return hits[0]![1];
    if (hits.length > 1)
      throw new ArgError(`ambiguous option: ${name} could match ${hits.map(([n]) => n).join(', ')}`);
    throw new ArgError(`unrecognized arguments: ${name}`);
  };
  const takeValue = (spec: OptSpec, name: string, attached: string | undefined, k: number): number => {
    if (spec.kind === 'flag' || spec.kind === 'version' || spec.kind === 'help') {
      if (attached !== undefined)
        throw new ArgError(`argument ${spec.names.join('/')}: ignored explicit argument '${attached}'`);
      opts[spec.dest] = spec.kind === 'flag' ? true : spec.kind;
      return k;
    }
    if (spec.kind === 'list') {
      const vals: string[] = attached !== undefined ? [attached] : [];
      while (attached === undefined && k + 1 < argv.length && !looksLikeOption(argv[k + 1]!))
        vals.push(argv[++k]!);
      opts[spec.dest] = vals;
      return k;
    }
    let v = attached;
    if (v === undefined) {
      if (k + 1 >= argv.length || looksLikeOption(argv[k + 1]!))
        throw new ArgError(`argument ${spec.names.join('/')}: expected one argument`);
      v = argv[++k]!;
    }
    if (spec.choices && !spec.choices.includes(v))
      throw new ArgError(
        `argument ${name}: invalid choice: '${v}' (choose from ${spec.choices.map((c) => `'${c}'`).join(', ')})`,
      );
    if (spec.int) {
      if (!/^\s*[-+]?\d+\s*$/.test(v)) throw new ArgError(`argument ${name}: invalid int value: '${v}'`);
      opts[spec.dest] = Number(v);
    } else opts[spec.dest] = v;
    return k;
  };
  let onlyPositional = false;
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!;
    if (onlyPositional || !looksLikeOption(a)) {
      positionals.push(a);
      continue;
    }
    if (a === '--') {
      onlyPositional = true;
      continue;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a : a.slice(0, eq);
      k = takeValue(findLong(name), name, eq < 0 ? undefined : a.slice(eq + 1), k);
      continue;
    }
    // Short options: -tDIR, -t DIR, -vs KEY (flags combined).
    for (let c = 1; c < a.length; c++) {
      const name = `-${a[c]}`;
      const spec = specs.find((s) => s.names.includes(name));
      if (!spec) throw new ArgError(`unrecognized arguments: ${a}`);
      const rest = a.slice(c + 1);
      if (spec.kind === 'flag' || spec.kind === 'help' || spec.kind === 'version') {
        opts[spec.dest] = spec.kind === 'flag' ? true : spec.kind;
        continue;
      }
      k = takeValue(spec, name, rest === '' ? undefined : rest, k);
      break;
    }
  }
  return { opts, positionals };
}
