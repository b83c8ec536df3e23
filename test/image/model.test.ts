import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canSee, type Membership } from '../../src/image/model/access.ts';
import { type Image, imageView, parseCreate } from '../../src/image/model/image.ts';
import { type Candidate, listImages, nextLink, parseListQuery } from '../../src/image/model/list.ts';
import { applyPatch, PATCH_V20, PATCH_V21, parsePatch } from '../../src/image/model/patch.ts';
import { virtualSize } from '../../src/image/model/qcow2.ts';
import { parseRange } from '../../src/image/model/range.ts';
import { canMove, checkMove, IMAGE_STATUS, type ImageEvent, moveFor } from '../../src/image/model/status.ts';
import { AppError } from '../../src/platform/errors/catalogue.ts';
import type { AuthContext } from '../../src/platform/policy/auth-context.ts';

function image(over: Partial<Image> = {}): Image {
  return {
    id: '00000000-0000-0000-0000-000000000001',
    name: 'img',
    status: 'queued',
    visibility: 'shared',
    protected: false,
    os_hidden: false,
    checksum: null,
    os_hash_algo: null,
    os_hash_value: null,
    size: null,
    virtual_size: null,
    disk_format: 'qcow2',
    container_format: 'bare',
    min_disk: 0,
    min_ram: 0,
    owner: 'p1',
    created_at: 1000,
    updated_at: 1000,
    properties: {},
    tags: [],
    ...over,
  };
}

function auth(projectId: string, roles = ['member']): AuthContext {
  return {
    tokenId: 't',
    userId: 'u',
    userName: 'u',
    userDomainId: 'default',
    projectId,
    roles,
    expiresAt: 0,
    auditIds: [],
  };
}

/** Asserts that fn throws an AppError with this status and a message matching re. */
function throwsApp(fn: () => unknown, status: number, re: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AppError, `expected AppError, got ${String(e)}`);
    assert.equal(e.status, status, e.message);
    assert.match(e.message, re);
    return true;
  });
}

describe('create body', () => {
  test('splits base properties, tags and user properties', () => {
    const spec = parseCreate({
      name: 'a',
      disk_format: 'aki',
      tags: ['x', 'x', 'y'],
      kernel_id: 'k',
      min_ram: 5,
    });
    assert.deepEqual(spec.base, { name: 'a', disk_format: 'aki', min_ram: 5 });
    assert.deepEqual(spec.tags, ['x', 'y']);
    assert.deepEqual(spec.properties, { kernel_id: 'k' });
  });
  const cases: [string, unknown, number, RegExp][] = [
    ['unknown disk format', { disk_format: 'floppy' }, 400, /'floppy' is not one of \[None, 'ami'/],
    ['unknown container format', { container_format: 'zip' }, 400, /'zip' is not one of/],
    ['read-only status', { status: 'active' }, 403, /Attribute 'status' is read-only/],
    ['read-only checksum', { checksum: 'x' }, 403, /Attribute 'checksum' is read-only/],
    ['reserved os_glance namespace', { os_glance_x: 'y' }, 403, /Attribute 'os_glance_x' is reserved/],
    ['non-string property', { foo: 1 }, 400, /1 is not of type 'string'/],
    ['bad id', { id: 'nope' }, 400, /is not a 'uuid'/],
    ['negative min_disk', { min_disk: -1 }, 400, /less than the minimum/],
    ['boolean as string', { protected: 'yes' }, 400, /'yes' is not of type 'boolean'/],
    ['not an object', [1], 400, /Body expected/],
  ];
  for (const [name, body, status, re] of cases)
    test(name, () => throwsApp(() => parseCreate(body), status, re));
});

describe('JSON patch', () => {
  const patch = (img: Image, ops: unknown, type = PATCH_V21) => applyPatch(img, parsePatch(ops, type));
  test('add sets a property, and replaces an existing one (RFC 6902 add)', () => {
    const a = patch(image(), [{ op: 'add', path: '/kernel_id', value: 'k1' }]);
    assert.equal(a.properties.kernel_id, 'k1');
    const b = patch(a, [{ op: 'add', path: '/kernel_id', value: 'k2' }]);
    assert.equal(b.properties.kernel_id, 'k2');
  });
  test('replace and remove base and user properties; the input image is untouched', () => {
    const img = image({ properties: { a: '1' } });
    const out = patch(img, [
      { op: 'replace', path: '/name', value: 'n2' },
      { op: 'remove', path: '/a' },
      { op: 'replace', path: '/tags', value: ['t1'] },
      { op: 'replace', path: '/protected', value: true },
    ]);
    assert.equal(out.name, 'n2');
    assert.deepEqual(out.properties, {});
    assert.deepEqual(out.tags, ['t1']);
    assert.equal(out.protected, true);
    assert.deepEqual(img.properties, { a: '1' });
  });
  test('the v2.0 dialect names the op as the key', () => {
    assert.equal(patch(image(), [{ replace: '/name', value: 'z' }], PATCH_V20).name, 'z');
  });
  test('~1 in a pointer is a slash in the key', () => {
    assert.equal(patch(image(), [{ op: 'add', path: '/a~1b', value: 'v' }]).properties['a/b'], 'v');
  });
  const cases: [string, unknown, Image, number, RegExp][] = [
    [
      'read-only status',
      [{ op: 'replace', path: '/status', value: 'active' }],
      image(),
      403,
      /'status' is read-only/,
    ],
    ['read-only size', [{ op: 'replace', path: '/size', value: 1 }], image(), 403, /'size' is read-only/],
    ['id', [{ op: 'replace', path: '/id', value: 'x' }], image(), 403, /'id' is read-only/],
    ['remove a base property', [{ op: 'remove', path: '/name' }], image(), 403, /name may not be removed/],
    [
      'replace a missing property',
      [{ op: 'replace', path: '/nope', value: 'x' }],
      image(),
      409,
      /nope does not exist/,
    ],
    ['remove a missing property', [{ op: 'remove', path: '/nope' }], image(), 409, /nope does not exist/],
    [
      'disk_format of an active image',
      [{ op: 'replace', path: '/disk_format', value: 'raw' }],
      image({ status: 'active' }),
      403,
      /only replaced for a queued image/,
    ],
    [
      'bad format value',
      [{ op: 'replace', path: '/disk_format', value: 'floppy' }],
      image(),
      400,
      /not one of/,
    ],
    ['nested pointer', [{ op: 'add', path: '/a/b', value: 'x' }], image(), 400, /Invalid JSON pointer/],
    ['no leading slash', [{ op: 'add', path: 'a', value: 'x' }], image(), 400, /does not start with/],
    ['missing value', [{ op: 'add', path: '/a' }], image(), 400, /requires a member named "value"/],
    ['unknown op', [{ op: 'move', path: '/a' }], image(), 400, /Invalid operation/],
    ['not a list', { op: 'add' }, image(), 400, /JSON array/],
  ];
  for (const [name, ops, img, status, re] of cases)
    test(name, () => throwsApp(() => patch(img, ops), status, re));
});

describe('listing', () => {
  const ids = (n: number) => `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`;
  const mk = (n: number, over: Partial<Image> = {}, members: Membership[] = []): Candidate => ({
    image: image({ id: ids(n), name: `img${n}`, created_at: n * 1000, ...over }),
    members,
  });
  const all: Candidate[] = [
    mk(1, { visibility: 'public', owner: 'p9', tags: ['a', 'b'], size: 10 }),
    mk(2, { visibility: 'private', owner: 'p1', properties: { kernel_id: 'k' }, size: 20 }),
    mk(3, { visibility: 'private', owner: 'p9' }),
    mk(4, { visibility: 'shared', owner: 'p9' }, [{ member: 'p1', status: 'accepted' }]),
    mk(5, { visibility: 'shared', owner: 'p9' }, [{ member: 'p1', status: 'pending' }]),
    mk(6, { visibility: 'community', owner: 'p9' }),
    mk(7, { visibility: 'public', owner: 'p1', os_hidden: true, status: 'active' }),
  ];
  const p1 = { projectId: 'p1', admin: false };
  const list = (q: [string, string][], caller = p1) =>
    listImages(caller, all, parseListQuery(q)).images.map((i) => Number(i.id.slice(-2)));
  const cases: [string, [string, string][], number[], typeof p1?][] = [
    ['default: public, own, accepted shares; newest first; hidden excluded', [], [4, 2, 1]],
    ['admin sees every visibility', [['os_hidden', 'true']], [7], { projectId: 'x', admin: true }],
    ['member_status=pending', [['member_status', 'pending']], [5, 2, 1]],
    ['visibility=community', [['visibility', 'community']], [6]],
    [
      'visibility=shared',
      [
        ['visibility', 'shared'],
        ['member_status', 'all'],
      ],
      [5, 4],
    ],
    ['os_hidden=true', [['os_hidden', 'true']], [7]],
    [
      'tags all match',
      [
        ['tag', 'a'],
        ['tag', 'b'],
      ],
      [1],
    ],
    [
      'a tag nobody has',
      [
        ['tag', 'a'],
        ['tag', 'c'],
      ],
      [],
    ],
    ['user property', [['kernel_id', 'k']], [2]],
    ['name in:', [['name', 'in:img1,img4']], [4, 1]],
    [
      'size range',
      [
        ['size_min', '15'],
        ['size_max', '25'],
      ],
      [2],
    ],
    [
      'sort by name asc',
      [
        ['sort_key', 'name'],
        ['sort_dir', 'asc'],
      ],
      [1, 2, 4],
    ],
    ['sort= syntax', [['sort', 'name:desc']], [4, 2, 1]],
    ['created_at filter', [['created_at', 'gte:1970-01-01T00:00:02Z']], [4, 2]],
  ];
  for (const [name, q, want, caller] of cases) test(name, () => assert.deepEqual(list(q, caller), want));

  test('marker pagination walks every image once and has no next on the last page', () => {
    const seen: number[] = [];
    let q: [string, string][] = [
      ['limit', '2'],
      ['member_status', 'all'],
    ];
    for (let i = 0; i < 5; i++) {
      const page = listImages(p1, all, parseListQuery(q));
      seen.push(...page.images.map((img) => Number(img.id.slice(-2))));
      if (!page.nextMarker) break;
      const link = nextLink(q, page.nextMarker);
      assert.match(link, /^\/v2\/images\?limit=2&member_status=all&marker=/);
      q = [...new URLSearchParams(link.split('?')[1]).entries()] as [string, string][];
    }
    assert.deepEqual(seen, [5, 4, 2, 1]);
  });
  const bad: [string, [string, string][], RegExp][] = [
    ['unknown sort key', [['sort_key', 'colour']], /Invalid sort key/],
    [
      'bad sort dir',
      [
        ['sort_key', 'name'],
        ['sort_dir', 'up'],
      ],
      /Invalid sort direction/,
    ],
    [
      'sort with sort_key',
      [
        ['sort', 'name'],
        ['sort_key', 'name'],
      ],
      /cannot be combined/,
    ],
    ['limit not a number', [['limit', 'x']], /limit param must be an integer/],
    ['negative limit', [['limit', '-1']], /must be positive/],
    ['bad visibility', [['visibility', 'secret']], /Invalid visibility/],
    ['bad os_hidden', [['os_hidden', 'maybe']], /Invalid value for os_hidden/],
  ];
  for (const [name, q, re] of bad) test(name, () => throwsApp(() => list(q), 400, re));
  test('a marker the caller cannot see is a 400', () =>
    throwsApp(() => list([['marker', ids(3)]]), 400, /Invalid marker/));
});

describe('visibility', () => {
  const members: Membership[] = [{ member: 'p2', status: 'pending' }];
  const cases: [string, Image, AuthContext, boolean][] = [
    ['private: owner', image({ visibility: 'private' }), auth('p1'), true],
    ['private: other project', image({ visibility: 'private' }), auth('p2'), false],
    ['private: admin', image({ visibility: 'private' }), auth('p3', ['admin']), true],
    ['shared: a member, even pending', image({ visibility: 'shared' }), auth('p2'), true],
    ['shared: not a member', image({ visibility: 'shared' }), auth('p3'), false],
    ['public: anyone', image({ visibility: 'public' }), auth('p3', ['reader']), true],
    ['community: anyone', image({ visibility: 'community' }), auth('p3'), true],
  ];
  for (const [name, img, who, want] of cases) test(name, () => assert.equal(canSee(who, img, members), want));
  // Read-only routes (show, data) let another service's user read any image, e.g. for a deploy.
  const reads: [string, AuthContext, boolean, boolean][] = [
    ['service role, read route', auth('svc', ['service']), true, true],
    ['service role, other route', auth('svc', ['service']), false, false],
    ['member role, read route', auth('p3', ['member']), true, false],
  ];
  for (const [name, who, serviceReads, want] of reads)
    test(`private: ${name}`, () =>
      assert.equal(canSee(who, image({ visibility: 'private' }), members, serviceReads), want));
});

describe('status transitions', () => {
  const cases: [string, string, boolean][] = [
    ['queued', 'saving', true],
    ['saving', 'active', true],
    ['saving', 'queued', true],
    ['active', 'saving', false],
    ['queued', 'uploading', true],
    ['uploading', 'importing', true],
    ['importing', 'active', true],
    ['active', 'deactivated', true],
    ['deactivated', 'active', true],
    ['killed', 'active', false],
  ];
  for (const [from, to, ok] of cases)
    test(`${from} -> ${to}: ${ok}`, () =>
      assert.equal(canMove(from as Image['status'], to as Image['status']), ok));
  test('a refused move is Glance’s 409', () =>
    throwsApp(() => checkMove('active', 'saving'), 409, /from active to saving is not allowed/));
  const events: [string, string, string | null][] = [
    ['queued', 'upload', 'saving'],
    ['queued', 'stage', 'uploading'],
    ['saving', 'upload_done', 'active'],
    ['saving', 'upload_failed', 'queued'],
    ['uploading', 'import', 'importing'],
    ['importing', 'import_failed', 'queued'],
    ['importing', 'interrupted', 'queued'],
    ['active', 'deactivate', 'deactivated'],
    ['deactivated', 'reactivate', 'active'],
    ['killed', 'delete', 'deleted'],
    ['active', 'upload', null],
    ['deactivated', 'deactivate', null],
    ['queued', 'interrupted', null],
    ['deleted', 'delete', null],
  ];
  for (const [from, event, to] of events)
    test(`${from} + ${event} -> ${to ?? 'refused'}`, () => {
      const r = IMAGE_STATUS.apply(from as Image['status'], event as ImageEvent);
      assert.deepEqual(r.ok ? r.to : null, to);
    });
  test('a refused event is Glance’s 409 naming the statuses', () =>
    throwsApp(() => moveFor('active', 'upload'), 409, /from active to saving is not allowed/));
});

describe('virtual size', () => {
  const qcow2 = (v: number, size: bigint) => {
    const b = Buffer.alloc(32);
    b.writeUInt32BE(0x514649fb, 0);
    b.writeUInt32BE(v, 4);
    b.writeBigUInt64BE(size, 24);
    return b;
  };
  const cases: [string, string | null, Uint8Array, number | null][] = [
    ['qcow2 v3', 'qcow2', qcow2(3, 10n * 1024n ** 3n), 10 * 1024 ** 3],
    ['qcow2 v2', 'qcow2', qcow2(2, 123n), 123],
    ['qcow2 declared but not one', 'qcow2', Buffer.alloc(32), null],
    ['qcow2 unknown version', 'qcow2', qcow2(9, 1n), null],
    ['too short', 'qcow2', Buffer.alloc(4), null],
    ['raw is its size', 'raw', Buffer.alloc(0), 777],
    ['other formats unknown', 'iso', Buffer.alloc(32), null],
  ];
  for (const [name, fmt, head, want] of cases)
    test(name, () => assert.equal(virtualSize(fmt, head, 777), want));
});

describe('ranges', () => {
  const cases: [string | undefined, { start: number; end: number } | undefined][] = [
    [undefined, undefined],
    ['bytes=0-9', { start: 0, end: 9 }],
    ['bytes=90-', { start: 90, end: 99 }],
    ['bytes=-10', { start: 90, end: 99 }],
    ['bytes=95-200', { start: 95, end: 99 }],
    ['bytes=0-1,5-6', undefined],
    ['items=0-1', undefined],
  ];
  for (const [h, want] of cases) test(`${h}`, () => assert.deepEqual(parseRange(h, 100), want));
  for (const h of ['bytes=100-', 'bytes=500-600', 'bytes=-0'])
    test(`${h} is unsatisfiable`, () => throwsApp(() => parseRange(h, 100), 416, /not satisfiable/));
});

test('the image view has every base property, null when unset, and user properties flat', () => {
  const v = imageView(image({ properties: { kernel_id: 'k' } }));
  for (const k of ['checksum', 'os_hash_algo', 'os_hash_value', 'size', 'virtual_size'])
    assert.equal(v[k], null);
  assert.equal(v.kernel_id, 'k');
  assert.equal(v.created_at, '1970-01-01T00:00:01Z');
  assert.equal(v.file, '/v2/images/00000000-0000-0000-0000-000000000001/file');
});
