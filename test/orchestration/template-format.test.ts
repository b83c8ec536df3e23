// Template text read as Heat reads it (heat/common/template_format.py): JSON first, else PyYAML's
// SafeLoader with timestamps constructed as strings. Every row is also judged by that loader itself
// (Debian's python3-yaml) when python3 has it; the expected values below are what it gives.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { TemplateError } from '../../src/orchestration/model/errors.ts';
import { parseTemplateText } from '../../src/orchestration/model/template-format.ts';

const HEAT_LOADER = `
import json, sys, yaml
class HeatLoader(yaml.SafeLoader):
    pass
HeatLoader.add_constructor('tag:yaml.org,2002:timestamp', HeatLoader.construct_scalar)
out = []
for doc in json.load(sys.stdin):
    try:
        tpl = json.loads(doc)
    except ValueError:
        try:
            tpl = yaml.load(doc, Loader=HeatLoader)
            if tpl is None: tpl = {}
        except yaml.YAMLError as e:
            out.append({'error': getattr(getattr(e, 'problem_mark', None), 'line', -2) + 1}); continue
    out.append(tpl if isinstance(tpl, dict) else {'error': 'not a mapping'})
print(json.dumps(out))
`;

const noPyyaml = spawnSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' }).status !== 0;

function heatLoader(docs: string[]): unknown[] {
  const r = spawnSync('python3', ['-c', HEAT_LOADER], { input: JSON.stringify(docs), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as unknown[];
}

// [template text, what Heat's loader gives, why]
const VALUES: [string, unknown, string][] = [
  ['heat_template_version: 2016-10-14\n', { heat_template_version: '2016-10-14' }, 'a date stays a string'],
  ['t: 2001-12-14t21:59:43.10-05:00\n', { t: '2001-12-14t21:59:43.10-05:00' }, 'a timestamp too'],
  ['t: 2001-12-14 21:59:43\n', { t: '2001-12-14 21:59:43' }, 'space-separated timestamp'],
  ['t: !!timestamp 2016-10-14\n', { t: '2016-10-14' }, 'an explicit timestamp is text as well'],
  ['d: "2016-10-14"\n', { d: '2016-10-14' }, 'a quoted date'],
  ['a: yes\nb: on\nc: Off\nd: NO\n', { a: true, b: true, c: false, d: false }, 'YAML 1.1 booleans'],
  ['a: y\nb: n\n', { a: 'y', b: 'n' }, 'y and n are strings in PyYAML'],
  ['mode: 0755\n', { mode: 493 }, 'leading zero is octal'],
  ['m: 08\n', { m: '08' }, 'not octal: a string'],
  ['t: 1:30\n', { t: 90 }, 'sexagesimal'],
  ['x: 1e3\n', { x: '1e3' }, 'a float needs a dot in YAML 1.1'],
  ['{"x": 1e3, "v": "2016-10-14"}', { x: 1000, v: '2016-10-14' }, 'JSON is read as JSON first'],
  ['a: 1\na: 2\n', { a: 2 }, 'a duplicate key keeps the last value'],
  ['base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n', { base: { x: 1 }, c: { x: 1, y: 2 } }, 'merge keys'],
  ['', {}, 'an empty template is an empty mapping'],
  ['# only a comment\n', {}, 'so is one with only comments'],
  ['n: ~\n', { n: null }, 'null'],
];

// [template text, the line Heat's loader names (or a message), why]
const ERRORS: [string, number | string, string][] = [
  ['a: 1\nb: [1,\n  c: d: e\n', 3, 'a broken flow sequence'],
  ['a:\tb\n', 1, 'a tab between tokens'],
  ['a: 1\nb:\n\tc: 2\n', 3, 'a tab as indentation'],
  ['a: 1\nb: *nope\n', 2, 'an unknown alias'],
  ['a: 1\n- b\n', 2, 'a sequence entry inside a mapping'],
  ['- 1\n- 2\n', 'not a mapping', 'a list is no template'],
  ['"just text"', 'not a mapping', 'nor is a JSON string'],
];

const throwsLine = (text: string, want: number | string, why: string) =>
  assert.throws(
    () => parseTemplateText(text),
    (e: unknown) =>
      e instanceof TemplateError &&
      (typeof want === 'number'
        ? new RegExp(`^Error parsing template at line ${want}: `).test(e.message)
        : /is not a JSON object or YAML mapping/.test(e.message)),
    `${JSON.stringify(text)}: ${why}`,
  );

describe('template text as Heat reads it', () => {
  for (const [text, want, why] of VALUES)
    test(why, () => assert.deepEqual(parseTemplateText(text), want, JSON.stringify(text)));
  for (const [text, want, why] of ERRORS) test(`refused: ${why}`, () => throwsLine(text, want, why));

  test('the rows are what Heat’s own loader gives', (t) => {
    if (noPyyaml) return t.skip('no python3 with PyYAML (Debian python3-yaml)');
    const got = heatLoader([...VALUES.map(([d]) => d), ...ERRORS.map(([d]) => d)]);
    const wanted = [...VALUES.map(([, v]) => v), ...ERRORS.map(([, line]) => ({ error: line }))];
    assert.deepEqual(got, wanted);
  });

  test('an environment file is named in its errors', () => {
    assert.throws(
      () => parseTemplateText('parameters:\n  a: [1\n', 'environment file env.yaml'),
      (e: unknown) =>
        e instanceof TemplateError && /^Error parsing environment file env\.yaml at line 3: /.test(e.message),
    );
  });
});
