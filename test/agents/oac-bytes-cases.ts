// Unusual bytes in os-apply-config's inputs: byte-order marks, invalid UTF-8, CR and CRLF line ends and
// control characters, in the metadata, in templates (plain and executable) and in .oac control files.
// Python reads them with open().read() (strict UTF-8, universal newlines, a BOM kept as U+FEFF) and
// writes bytes back as they are: ours must agree byte for byte, or fail where it fails.
import type { OacCase } from './oac-cases.ts';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const b = (...parts: (string | Buffer | number[])[]) =>
  Buffer.concat(
    parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.isBuffer(p) ? p : Buffer.from(p))),
  );
const MD = '{"name": "node-1", "list": ["a", "b"], "mode": "x"}';
const exe = (content: string | Buffer) => ({ content, mode: 0o755 });

export const BYTES_CASES: OacCase[] = [
  // Metadata
  { name: 'metadata: a BOM before the JSON', tree: { 'md.json': b(BOM, MD), 't/x': '{{name}}\n' } },
  {
    name: 'metadata: CRLF line ends',
    tree: { 'md.json': '{\r\n  "name": "n",\r\n  "l": [1,\r\n 2]\r\n}\r\n', 't/x': '{{name}} {{l}}\n' },
  },
  { name: 'metadata: CR line ends', tree: { 'md.json': '{\r"name": "n"\r}\r', 't/x': '{{name}}\n' } },
  {
    name: 'metadata: a raw CR inside a string',
    tree: { 'md.json': '{"name": "a\rb"}', 't/x': '{{name}}\n' },
  },
  {
    name: 'metadata: escaped CR, NUL and BOM in strings',
    tree: { 'md.json': '{"s": "a\\r\\nb\\u0000c\\ufeffd"}', 't/x': '[{{s}}]\n{{.}}\n' },
  },
  {
    name: 'metadata: invalid UTF-8',
    tree: { 'md.json': b('{"name": "caf', [0xe9], '"}'), 't/x': '{{name}}\n' },
  },
  {
    name: 'metadata: a truncated UTF-8 sequence at the end',
    tree: { 'md.json': b('{"name": "x"}', [0xe2, 0x98]), 't/x': '{{name}}\n' },
  },
  {
    name: 'metadata: UTF-16 with its BOM',
    tree: { 'md.json': Buffer.from(`\ufeff${MD}`, 'utf16le'), 't/x': '{{name}}\n' },
  },
  {
    name: 'metadata: an encoded surrogate (CESU)',
    tree: { 'md.json': b('{"name": "', [0xed, 0xa0, 0x80], '"}'), 't/x': '{{name}}\n' },
  },
  {
    name: 'metadata: a lone surrogate escape reaches a file',
    tree: { 'md.json': '{"s": "a\\ud800b"}', 't/x': '{{s}}\n' },
  },
  {
    name: 'metadata: a lone surrogate escape in a JSON value',
    tree: { 'md.json': '{"l": ["\\udc00"]}', 't/x': '{{l}}\n' },
  },
  {
    name: 'metadata: --key on a value with a BOM',
    tree: { 'md.json': '{"k": "\\ufeffv"}' },
    args: ['-m', 'md.json', '--key', 'k'],
  },
  // Templates
  { name: 'template: a BOM is kept', tree: { 'md.json': MD, 't/x': b(BOM, 'name={{name}}\n') } },
  {
    name: 'template: a BOM in the middle and before a tag',
    tree: { 'md.json': MD, 't/x': b('a', BOM, 'b\n', BOM, '{{name}}\n') },
  },
  {
    name: 'template: CRLF everywhere, tags too',
    tree: { 'md.json': MD, 't/x': '{{#list}}\r\n{{.}}\r\n{{/list}}\r\n{{\r\nname\r\n}}\r\n' },
  },
  { name: 'template: CR line ends', tree: { 'md.json': MD, 't/x': 'a\r{{name}}\rb\r' } },
  { name: 'template: a CR before CRLF and a trailing CR', tree: { 'md.json': MD, 't/x': 'a\r\r\nb\r' } },
  {
    name: 'template: NUL and control bytes',
    tree: { 'md.json': MD, 't/x': b('a', [0x00, 0x01, 0x1b], '{{name}}', [0x7f], '\n') },
  },
  { name: 'template: overlong UTF-8', tree: { 'md.json': MD, 't/x': b('a', [0xc0, 0xaf], 'b') } },
  { name: 'template: an encoded surrogate', tree: { 'md.json': MD, 't/x': b('a', [0xed, 0xb0, 0x80], 'b') } },
  {
    name: 'template: truncated UTF-8 at the end',
    tree: { 'md.json': MD, 't/x': b('ok ', [0xf0, 0x9f, 0x98]) },
  },
  {
    name: 'template: invalid UTF-8 after a good template',
    tree: { 'md.json': MD, 't/a': 'fine\n', 't/b': b([0x80]) },
  },
  { name: 'template: a BOM-only file', tree: { 'md.json': MD, 't/x': BOM } },
  // Executable templates: their stdout is decoded as UTF-8 without newline translation.
  {
    name: 'executable template: CRLF and a BOM in its output',
    tree: { 'md.json': MD, 't/x': exe("#!/bin/sh\nprintf '\\357\\273\\277a\\r\\nb\\r'\n") },
  },
  {
    name: 'executable template: invalid UTF-8 in its output',
    tree: { 'md.json': MD, 't/x': exe("#!/bin/sh\nprintf 'a\\377b'\n") },
  },
  {
    name: 'executable template: a script with CRLF line ends',
    tree: { 'md.json': MD, 't/x': exe('#!/bin/sh\r\necho hi\r\n') },
  },
  // Control files
  {
    name: '.oac: a BOM before the YAML',
    tree: { 'md.json': MD, 't/x': 'x\n', 't/x.oac': b(BOM, 'mode: 0600\n') },
  },
  {
    name: '.oac: CRLF line ends',
    tree: { 'md.json': MD, 't/x': 'x\n', 't/x.oac': 'mode: 0640\r\nallow_empty: no\r\n' },
  },
  {
    name: '.oac: CR line ends',
    tree: { 'md.json': MD, 't/x': 'x\n', 't/x.oac': 'mode: 0640\rallow_empty: no\r' },
  },
  {
    name: '.oac: invalid UTF-8',
    tree: { 'md.json': MD, 't/x': 'x\n', 't/x.oac': b('mode: 0600 # caf', [0xe9], '\n') },
  },
  {
    name: '.oac: a BOM inside a value',
    tree: { 'md.json': MD, 't/x': 'x\n', 't/x.oac': b('owner: ', BOM, 'root\n') },
  },
  {
    name: '.oac: a control character',
    tree: { 'md.json': MD, 't/x': 'x\n', 't/x.oac': b('mode: 0600', [0x01], '\n') },
  },
  {
    name: '.oac: a tab between key and value',
    tree: { 'md.json': MD, 't/x': 'x\n', 't/x.oac': 'mode:\t0600\n' },
  },
  {
    name: '.oac: NEL as a line break',
    tree: { 'md.json': MD, 't/x': 'x\n', 't/x.oac': 'mode: 0600\u0085allow_empty: no\n' },
  },
  {
    name: '.oac: a document that is 0 (falsy) counts as empty',
    tree: { 'md.json': MD, 't/x': 'x\n', 't/x.oac': '0\n' },
  },
  { name: '.oac: an empty list counts as empty', tree: { 'md.json': MD, 't/x': 'x\n', 't/x.oac': '[]\n' } },
];
