import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { FAST_PARSE_FIELDS, fastApproveInput, fastDiffSummary, fastPullRequestRef, fastRequestPublishInput } from '../src/fastParse.js';
import { approveInputSchema, requestPublishInputSchema } from '../src/gateSchemas.js';
import {
  actorSchema,
  diffFileSchema,
  diffSummarySchema,
  emailSchema,
  idSchema,
  MAX_DIFF_FILES,
  MAX_PATCH_CHARS,
  nameSchema,
  pullRequestRefSchema,
  textSchema,
  workspaceSchema,
} from '../src/schemas.js';

type Bag = Record<string, unknown>;
type Fast = (value: unknown) => unknown;
interface Case {
  name: string;
  fast: Fast;
  schema: z.ZodType;
}

const requestCase: Case = { name: 'requestPublishInput', fast: fastRequestPublishInput, schema: requestPublishInputSchema };
const approveCase: Case = { name: 'approveInput', fast: fastApproveInput, schema: approveInputSchema };
const diffCase: Case = { name: 'diffSummary', fast: fastDiffSummary, schema: diffSummarySchema };
const pullCase: Case = { name: 'pullRequestRef', fast: fastPullRequestRef, schema: pullRequestRefSchema };
const runs = { numRuns: 2_000 };

// ---------------------------------------------------------------------------------------------
// The checker: returns why a fast path's answer differs from zod's, or undefined when it agrees.
// It reports instead of throwing so that the tests at the bottom can run it on broken fast paths.

function isObjectLike(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

// toStrictEqual ignores key order; the gate's stored JSON and snapshots do not.
function keyOrderDifference(actual: unknown, expected: unknown, path: string): string | undefined {
  if (!isObjectLike(actual) || !isObjectLike(expected)) return undefined;
  const actualKeys = Object.keys(actual);
  const expectedKeys = Object.keys(expected);
  if (actualKeys.join('\u0000') !== expectedKeys.join('\u0000')) {
    return `key order at ${path}: [${actualKeys.join(', ')}] vs zod [${expectedKeys.join(', ')}]`;
  }
  for (const key of actualKeys) {
    const found = keyOrderDifference((actual as Bag)[key], (expected as Bag)[key], `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}

function collectObjects(value: unknown, into: Set<object>): Set<object> {
  if (!isObjectLike(value) || into.has(value)) return into;
  into.add(value);
  for (const key of Object.keys(value)) collectObjects((value as Bag)[key], into);
  return into;
}

// A fast path that hands back (part of) its input would let the caller mutate what it passed in.
function sharedWithInput(output: unknown, inputObjects: Set<object>, path: string): string | undefined {
  if (!isObjectLike(output)) return undefined;
  if (inputObjects.has(output)) return `${path} is an object of the input, not a fresh copy`;
  for (const key of Object.keys(output)) {
    const found = sharedWithInput((output as Bag)[key], inputObjects, `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}

function mismatch(schema: z.ZodType, input: unknown, output: unknown): string | undefined {
  if (output === undefined) return undefined;
  const reference = schema.safeParse(input);
  if (!reference.success) return `fast path accepted what zod refuses (${reference.error.issues[0]?.message})`;
  try {
    expect(output).toStrictEqual(reference.data);
  } catch (error) {
    return `not deep-equal to zod's output: ${(error as Error).message}`;
  }
  return keyOrderDifference(output, reference.data, '(root)') ?? sharedWithInput(output, collectObjects(input, new Set()), '(root)');
}

/** Runs the fast path on `input`, fails the test on any disagreement, and says who decided. */
function decide(testCase: Case, input: unknown): 'fast' | 'zod' {
  const output = testCase.fast(input);
  const problem = mismatch(testCase.schema, input, output);
  if (problem) throw new Error(`${testCase.name}: ${problem}`);
  return output === undefined ? 'zod' : 'fast';
}

// ---------------------------------------------------------------------------------------------
// Generators. "valid" ones build plain inputs zod accepts. "Hostile" ones start from valid values
// and swap in, per field and per object, a boundary value, a wrong type, a missing, `undefined` or
// extra key, or an odd object shape, each with a small probability: most inputs then differ from a
// valid one in about one place, which is where a wrong fast path would show.

const anyValue = fc.anything({ maxDepth: 2 });
const repeat = (text: string, count: number) => text.repeat(count);

const ROLES = ['builder', 'admin'] as const;
const STATUSES = ['added', 'modified', 'deleted', 'renamed'] as const;

// Ids: ASCII only, so UTF-16 units and code points agree.
const validId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:@+=~-]{0,40}$/).filter((id) => !id.includes('..'));
const validEmail = fc.stringMatching(/^[a-z0-9]{1,12}(?:\.[a-z0-9_+'-]{0,8}[a-z0-9])?@[a-z0-9]{1,12}(?:-[a-z0-9]{1,5})?\.[a-z]{2,6}$/);
const validName = fc
  .oneof(fc.string({ minLength: 1, maxLength: 60, unit: 'binary' }), fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }))
  .filter((name) => name.length <= 200 && nameSchema.safeParse(name).success);
const validRoles = fc.array(fc.constantFrom(...ROLES), { maxLength: 2 });
const validText = fc
  .oneof(fc.string({ maxLength: 80, unit: 'binary' }), fc.string({ maxLength: 80 }), fc.constant('line 1\nline 2\r\n\ttabbed'))
  .filter((text) => textSchema(100_000).safeParse(text).success);
const validSubdomain = fc.oneof(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/), fc.string({ maxLength: 63 }));
const validPath = fc.string({ minLength: 1, maxLength: 60, unit: 'binary' }).filter((path) => !path.includes('\u0000'));
const count = fc.oneof(fc.nat(), fc.maxSafeNat(), fc.constant(-0));
const positive = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });

const admin = { id: 'admin-1', email: 'admin@example.com', roles: ['admin'] };
const validActor = fc.record(
  { id: validId, email: validEmail, roles: validRoles, name: validName },
  { requiredKeys: ['id', 'email', 'roles'] },
);
const validWorkspace = fc.record({ id: validId, name: validName, blueprintId: validId, ownerId: validId });
const validRequest = fc.record(
  { workspace: validWorkspace, subdomain: validSubdomain, actor: validActor, note: validText, idempotencyKey: validId },
  { requiredKeys: ['workspace', 'subdomain', 'actor'] },
);
const validApprove = fc.record(
  { id: fc.oneof(fc.uuid(), validId), actor: validActor, comment: validText, expectedVersion: positive },
  { requiredKeys: ['id', 'actor'] },
);
const validFile = fc.record(
  { path: validPath, oldPath: validPath, status: fc.constantFrom(...STATUSES), additions: count, deletions: count, binary: fc.boolean() },
  { requiredKeys: ['path', 'status', 'additions', 'deletions', 'binary'] },
);
const validDiff = fc.record({
  files: fc.array(validFile, { maxLength: 6 }),
  additions: count,
  deletions: count,
  patch: fc.string({ maxLength: 200, unit: 'binary' }),
  truncated: fc.boolean(),
});
const validPull = fc.record({ number: positive, url: fc.webUrl() });

const emailOfLength = (length: number) => `${repeat('a', length - '@example.com'.length)}@example.com`;
const sparse = (length: number, at: number, value: unknown): unknown[] => {
  const list: unknown[] = new Array(length);
  list[at] = value;
  return list;
};
const validFileForFill = { path: 'a', status: 'added', additions: 1, deletions: 0, binary: false };

// Both sides of every limit, hostile strings and wrong types, per field.
const NUMBER_EDGES: readonly unknown[] = [
  0,
  -0,
  1,
  -1,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 1,
  -Number.MAX_SAFE_INTEGER,
  2 ** 60,
  Number.MIN_VALUE,
  1n,
  '1',
  true,
  null,
];
const ID_EDGES: readonly unknown[] = [
  '',
  'a',
  repeat('a', 127),
  repeat('a', 128),
  repeat('a', 129),
  repeat('a', 200),
  '..',
  'a..b',
  'a.b',
  'a.',
  '-x',
  '--upload-pack=x',
  '.hidden',
  '_a',
  'A',
  'ROOT-1',
  'a b',
  'a\n',
  'a\u0000',
  'é',
  'a/b',
  '𝒳',
  1,
  null,
];
const EMAIL_EDGES: readonly unknown[] = [
  emailOfLength(253),
  emailOfLength(254),
  emailOfLength(255),
  'builder@example.com\r\nBcc: evil@example.com',
  'builder@example.com\n',
  'A@EXAMPLE.COM',
  "o'neil@example.com",
  'a@b',
  '@example.com',
  'a b@example.com',
  'a..b@example.com',
  '.a@example.com',
  'a@-b.example.com',
  'ü@example.com',
  'a@example.c',
  '',
  null,
];
const NAME_EDGES: readonly unknown[] = [
  '',
  'x',
  repeat('x', 199),
  repeat('x', 200),
  repeat('x', 201),
  // 200 and 202 UTF-16 units, 100 and 101 code points: zod counts code points.
  repeat('😀', 100),
  repeat('😀', 101),
  repeat('😀', 201),
  'Site\t1',
  'Site\n1',
  'a\u0085b',
  'a\u009fb',
  'a\u00a0b',
  'a\u2028b',
  'a\u2029b',
  'a\ud800b',
  0,
];
const ROLES_EDGES: readonly unknown[] = [
  [],
  ['builder', 'builder'],
  ['admin', 'builder'],
  ['admin', 'admin', 'admin'],
  ['builder', 'admin', 'builder'],
  new Array(10_000).fill('builder'),
  new Array(100_000).fill('admin'),
  sparse(1, 5, 'admin'),
  sparse(2, 1, 'admin'),
  sparse(2, 0, 'admin'),
  ['Builder'],
  ['root'],
  [''],
  ['admin', null],
  'builder',
  { 0: 'builder', length: 1 },
];
const TEXT_EDGES: readonly unknown[] = [
  '',
  repeat('n', 10_240),
  repeat('n', 100_000),
  repeat('n', 100_001),
  // 100,002 units but 50,001 code points: zod accepts, the fast path leaves it to zod.
  repeat('😀', 50_001),
  'a\u0000',
  'a\u0008',
  'a\u0009',
  'a\u000a',
  'a\u000b',
  'a\u000c',
  'a\u000d',
  'a\u000e',
  'a\u001f',
  'a\u007f',
  'a\u0085',
  'a\u2028',
  1,
];
const SUBDOMAIN_EDGES: readonly unknown[] = [
  '',
  'Site 1',
  repeat('s', 1_000),
  repeat('s', 1_001),
  repeat('😀', 500),
  repeat('😀', 501),
  'a\u0000',
  '--x',
  '..',
  1,
];
const PATH_EDGES: readonly unknown[] = [
  '',
  'a\u0000b',
  'dir/file name ü.txt',
  '../etc/passwd',
  repeat('p', 4_096),
  repeat('p', 4_097),
  repeat('😀', 2_049),
  1,
];
const STATUS_EDGES: readonly unknown[] = ['Added', 'copied', '', 'renamed ', 'modified', null];
const BOOLEAN_EDGES: readonly unknown[] = [0, 1, 'true', null, true, false];
const PATCH_EDGES: readonly unknown[] = ['', repeat('x', MAX_PATCH_CHARS), repeat('x', MAX_PATCH_CHARS + 1), null];
const URL_EDGES: readonly unknown[] = ['', 'u', repeat('u', 2_048), repeat('u', 2_049), repeat('😀', 1_025), 'https://x.test/\r\n', 1];
const FILES_EDGES: readonly unknown[] = [
  [],
  new Array(MAX_DIFF_FILES + 1).fill(validFileForFill),
  sparse(2, 1, validFileForFill),
  [[validFileForFill]],
  { 0: validFileForFill, length: 1 },
];
const OBJECT_EDGES: readonly unknown[] = [null, [], {}, 'x', 1, new Date(0), new Map()];
const EDGES_BY_KEY: Record<string, readonly unknown[]> = {
  id: ID_EDGES,
  blueprintId: ID_EDGES,
  ownerId: ID_EDGES,
  idempotencyKey: ID_EDGES,
  email: EMAIL_EDGES,
  name: NAME_EDGES,
  roles: ROLES_EDGES,
  note: TEXT_EDGES,
  comment: TEXT_EDGES,
  subdomain: SUBDOMAIN_EDGES,
  path: PATH_EDGES,
  oldPath: PATH_EDGES,
  status: STATUS_EDGES,
  additions: NUMBER_EDGES,
  deletions: NUMBER_EDGES,
  expectedVersion: NUMBER_EDGES,
  number: NUMBER_EDGES,
  binary: BOOLEAN_EDGES,
  truncated: BOOLEAN_EDGES,
  patch: PATCH_EDGES,
  url: URL_EDGES,
  files: FILES_EDGES,
};

/** A field value: usually valid, sometimes one of `edges`, now and then anything. */
function field(valid: fc.Arbitrary<unknown>, edges: readonly unknown[], ...more: fc.Arbitrary<unknown>[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 24, arbitrary: valid },
    { weight: 2, arbitrary: fc.constantFrom(...edges) },
    { weight: 1, arbitrary: fc.oneof(anyValue, ...more) },
  );
}

const idField = field(
  fc.oneof(validId, fc.uuid()),
  ID_EDGES,
  validId.map((id) => id.toUpperCase()),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const emailField = field(validEmail, EMAIL_EDGES, fc.emailAddress(), fc.string({ maxLength: 30 }));
const nameField = field(validName, NAME_EDGES);
const rolesField = field(validRoles, ROLES_EDGES, fc.array(fc.oneof(fc.constantFrom(...ROLES), anyValue), { maxLength: 3 }));
const textField = field(validText, TEXT_EDGES);
const countField = field(count, NUMBER_EDGES, fc.integer(), fc.double());
const positiveField = field(positive, NUMBER_EDGES, fc.integer(), fc.double());
const subdomainField = field(validSubdomain, SUBDOMAIN_EDGES, fc.string({ unit: 'binary', maxLength: 20 }));
const pathField = field(validPath, PATH_EDGES);
const statusField = field(fc.constantFrom(...STATUSES), STATUS_EDGES);
const booleanField = field(fc.boolean(), BOOLEAN_EDGES);
const patchField = field(fc.string({ maxLength: 200, unit: 'binary' }), PATCH_EDGES);
const urlField = field(fc.webUrl(), URL_EDGES);

// Object shapes zod may treat differently from a plain literal. Fields are [key, value] pairs in
// the (shuffled) order the object receives them; the first field is the one an odd shape acts on.
const SHAPES = [
  'null-prototype',
  'class-instance',
  'array',
  'inherited-field',
  'non-enumerable-field',
  'getter-field',
  'symbol-key',
  'own-__proto__-key',
  'frozen',
] as const;
type Shape = 'plain' | (typeof SHAPES)[number];
const shapeArb: fc.Arbitrary<Shape> = fc.oneof(
  { weight: 16, arbitrary: fc.constant('plain' as const) },
  { weight: 1, arbitrary: fc.constantFrom(...SHAPES) },
);

class Input {}

function assign(target: object, fields: readonly (readonly [string, unknown])[]): Bag {
  const bag = target as Bag;
  for (const [key, value] of fields) bag[key] = value;
  return bag;
}

function build(shape: Shape, fields: readonly (readonly [string, unknown])[]): unknown {
  const [first, ...rest] = fields;
  switch (shape) {
    case 'plain':
      return assign({}, fields);
    case 'null-prototype':
      return assign(Object.create(null), fields);
    case 'class-instance':
      return assign(new Input(), fields);
    case 'array':
      return assign([], fields);
    case 'inherited-field':
      return first ? assign(Object.create({ [first[0]]: first[1] }), rest) : {};
    case 'non-enumerable-field': {
      const bag = assign({}, rest);
      if (first) Object.defineProperty(bag, first[0], { value: first[1], enumerable: false, configurable: true, writable: true });
      return bag;
    }
    case 'getter-field': {
      const bag = assign({}, rest);
      if (first) Object.defineProperty(bag, first[0], { get: () => first[1], enumerable: true, configurable: true });
      return bag;
    }
    case 'symbol-key':
      return Object.assign(assign({}, fields), { [Symbol('extra')]: 1 });
    case 'own-__proto__-key':
      return Object.defineProperty(assign({}, fields), '__proto__', { value: {}, enumerable: true, configurable: true, writable: true });
    case 'frozen':
      return Object.freeze(assign({}, fields));
  }
}

const MISSING = Symbol('missing');
const EXTRA_KEYS = ['extra', 'ID', 'Id', 'toString', 'constructor', '', 'actor ', 'roles', 'name', 'id'];

/** Near-valid objects: a field now and then missing, `undefined` or extra, keys reordered, odd shapes. */
function hostileObject(fields: Record<string, fc.Arbitrary<unknown>>, optional: readonly string[] = []): fc.Arbitrary<unknown> {
  const keys = Object.keys(fields);
  const values: Record<string, fc.Arbitrary<unknown>> = {};
  for (const key of keys) {
    const isOptional = optional.includes(key);
    values[key] = fc.oneof(
      { weight: isOptional ? 12 : 30, arbitrary: fields[key] as fc.Arbitrary<unknown> },
      { weight: isOptional ? 12 : 1, arbitrary: fc.constant(MISSING) },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
  }
  return fc
    .record({
      values: fc.record(values),
      order: fc.shuffledSubarray(keys, { minLength: keys.length }),
      extra: fc.option(fc.tuple(fc.constantFrom(...EXTRA_KEYS), anyValue), { freq: 16 }),
      shape: shapeArb,
    })
    .map(({ values: picked, order, extra, shape }) => {
      const entries: (readonly [string, unknown])[] = [];
      for (const key of order) if (picked[key] !== MISSING) entries.push([key, picked[key]]);
      // A duplicate of a declared key (EXTRA_KEYS has some) just overwrites it: another near miss.
      if (extra) entries.push(extra);
      return build(shape, entries);
    });
}

const hostileActor = hostileObject({ id: idField, email: emailField, roles: rolesField, name: nameField }, ['name']);
const hostileWorkspace = hostileObject({ id: idField, name: nameField, blueprintId: idField, ownerId: idField });
const hostileFile = hostileObject(
  { path: pathField, oldPath: pathField, status: statusField, additions: countField, deletions: countField, binary: booleanField },
  ['oldPath'],
);
const filesField = field(fc.array(hostileFile, { maxLength: 3 }), FILES_EDGES, fc.array(anyValue, { maxLength: 2 }));

// One change to a valid input, anywhere in it: every edge value and every odd shape is then
// met on its own, with nothing else wrong to hide a fast path's mistake behind.
const STRUCTURAL = ['extra', 'inherited-extra', 'reorder', ...SHAPES.filter((shape) => shape !== 'array')] as const;
const MUTATIONS = ['edge', 'edge', 'edge', 'edge', 'delete', 'undefined', 'anything', ...STRUCTURAL] as const;
type Mutation = (typeof MUTATIONS)[number];

interface Slot {
  parent: Bag;
  key: string;
}

function slotsOf(value: unknown, into: Slot[] = []): Slot[] {
  if (!isObjectLike(value)) return into;
  for (const key of Object.keys(value)) {
    into.push({ parent: value as Bag, key });
    // Roles are replaced whole (their edges are arrays), so their elements are no slots.
    if (key !== 'roles') slotsOf((value as Bag)[key], into);
  }
  return into;
}

function objectsOf(value: unknown, into: Bag[] = []): Bag[] {
  if (!isObjectLike(value)) return into;
  if (!Array.isArray(value)) into.push(value as Bag);
  for (const key of Object.keys(value)) objectsOf((value as Bag)[key], into);
  return into;
}

function reshape(node: Bag, mutation: (typeof STRUCTURAL)[number], pick: number, other: unknown): void {
  const keys = Object.keys(node);
  const key = keys[pick % Math.max(keys.length, 1)];
  switch (mutation) {
    case 'extra':
      node[EXTRA_KEYS[pick % EXTRA_KEYS.length] as string] = other;
      return;
    case 'inherited-extra':
      Object.setPrototypeOf(node, { [EXTRA_KEYS[pick % EXTRA_KEYS.length] as string]: other });
      return;
    case 'reorder':
      for (const name of keys.reverse()) {
        const value = node[name];
        delete node[name];
        node[name] = value;
      }
      return;
    case 'null-prototype':
      Object.setPrototypeOf(node, null);
      return;
    case 'class-instance':
      Object.setPrototypeOf(node, Input.prototype);
      return;
    case 'symbol-key':
      Object.defineProperty(node, Symbol('extra'), { value: 1, enumerable: true });
      return;
    case 'own-__proto__-key':
      Object.defineProperty(node, '__proto__', { value: {}, enumerable: true, configurable: true, writable: true });
      return;
    case 'frozen':
      Object.freeze(node);
      return;
  }
  if (key === undefined) return;
  const value = node[key];
  switch (mutation) {
    case 'inherited-field':
      delete node[key];
      Object.setPrototypeOf(node, { [key]: value });
      return;
    case 'non-enumerable-field':
      Object.defineProperty(node, key, { enumerable: false });
      return;
    case 'getter-field':
      Object.defineProperty(node, key, { get: () => value });
      return;
  }
}

function mutate(valid: unknown, mutation: Mutation, at: number, pick: number, other: unknown): unknown {
  // fast-check may hand the same generated value to this function again while shrinking.
  const input = structuredClone(valid);
  if (mutation === 'edge' || mutation === 'delete' || mutation === 'undefined' || mutation === 'anything') {
    const slots = slotsOf(input);
    const slot = slots[at % Math.max(slots.length, 1)];
    if (!slot) return input;
    const { parent, key } = slot;
    if (mutation === 'delete') delete parent[key];
    else if (mutation === 'undefined') parent[key] = undefined;
    else if (mutation === 'anything') parent[key] = other;
    else {
      const edges = EDGES_BY_KEY[key] ?? OBJECT_EDGES;
      parent[key] = edges[pick % edges.length];
    }
    return input;
  }
  const nodes = objectsOf(input);
  const node = nodes[at % Math.max(nodes.length, 1)];
  if (node) reshape(node, mutation, pick, other);
  return input;
}

function oneMutation(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc
    .record({ valid, mutation: fc.constantFrom(...MUTATIONS), at: fc.noBias(fc.nat()), pick: fc.noBias(fc.nat()), other: anyValue })
    .map(({ valid: input, mutation, at, pick, other }) => mutate(input, mutation, at, pick, other));
}

/** Hostile input for one schema: one change to a valid input, near-valid objects, valid ones, anything. */
function mixed(hostile: fc.Arbitrary<unknown>, valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 8, arbitrary: oneMutation(valid) },
    { weight: 6, arbitrary: hostile },
    { weight: 2, arbitrary: valid },
    { weight: 1, arbitrary: anyValue },
  );
}

const hostileRequest = mixed(
  hostileObject({ workspace: hostileWorkspace, subdomain: subdomainField, actor: hostileActor, note: textField, idempotencyKey: idField }, [
    'note',
    'idempotencyKey',
  ]),
  validRequest,
);
const hostileApprove = mixed(
  hostileObject({ id: idField, actor: hostileActor, comment: textField, expectedVersion: positiveField }, ['comment', 'expectedVersion']),
  validApprove,
);
const hostileDiff = mixed(
  hostileObject({ files: filesField, additions: countField, deletions: countField, patch: patchField, truncated: booleanField }),
  validDiff,
);
const hostilePull = mixed(hostileObject({ number: positiveField, url: urlField }), validPull);

// ---------------------------------------------------------------------------------------------

describe('fast paths agree with zod', () => {
  const table = [
    { name: requestCase.name, testCase: requestCase, hostile: hostileRequest, valid: validRequest },
    { name: approveCase.name, testCase: approveCase, hostile: hostileApprove, valid: validApprove },
    { name: diffCase.name, testCase: diffCase, hostile: hostileDiff, valid: validDiff },
    { name: pullCase.name, testCase: pullCase, hostile: hostilePull, valid: validPull },
  ];

  describe.each(table)('$name', ({ testCase, hostile, valid }) => {
    it('on hostile and near-valid input, anything the fast path returns is zod’s output: deep-equal, same key order, fresh', () => {
      let taken = 0;
      fc.assert(
        fc.property(hostile, (input) => {
          if (decide(testCase, input) === 'fast') taken += 1;
        }),
        runs,
      );
      // Guards against a generator so hostile that the comparison above never runs.
      expect(taken).toBeGreaterThan(runs.numRuns / 10);
    });

    it('on fc.anything() the fast path never returns what zod would not', () => {
      fc.assert(
        fc.property(fc.anything({ withNullPrototype: true, withObjectString: true, withSparseArray: true }), (input) => {
          decide(testCase, input);
        }),
        runs,
      );
    });

    it('takes the fast path for every valid, plain input', () => {
      fc.assert(
        fc.property(valid, (input) => {
          expect(testCase.schema.safeParse(input).success).toBe(true);
          expect(decide(testCase, input)).toBe('fast');
        }),
        runs,
      );
    });
  });
});

describe('the fast paths know every field of their schemas', () => {
  // A field added to a schema must be added to fastParse.ts too: until then a fast path would
  // refuse the new optional field (harmless) or accept inputs lacking a new required one (not).
  it.each([
    ['actor', actorSchema],
    ['workspace', workspaceSchema],
    ['diffFile', diffFileSchema],
    ['requestPublishInput', requestPublishInputSchema],
    ['approveInput', approveInputSchema],
    ['diffSummary', diffSummarySchema],
    ['pullRequestRef', pullRequestRefSchema],
  ] as const)('%s', (name, schema) => {
    expect([...FAST_PARSE_FIELDS[name]]).toEqual(Object.keys(schema.shape));
  });
});

describe('copied patterns stay equal to schemas.ts', () => {
  // The regexes have no `u` flag, so they classify UTF-16 code units: checking every unit in
  // every position class proves the copy equal, surrogates included.
  const agrees = (testCase: Case, input: unknown) => {
    const fast = testCase.fast(input) !== undefined;
    const zod = testCase.schema.safeParse(input).success;
    return fast === zod;
  };
  const everyCodeUnit = (check: (unit: string) => boolean) => {
    const disagreeing: number[] = [];
    for (let code = 0; code <= 0xffff; code += 1) if (!check(String.fromCharCode(code))) disagreeing.push(code);
    return disagreeing.map((code) => `U+${code.toString(16).padStart(4, '0')}`);
  };

  it('the id pattern accepts exactly the code units idSchema accepts, first and later positions', () => {
    expect(everyCodeUnit((unit) => agrees(approveCase, { id: unit, actor: admin }))).toEqual([]);
    expect(everyCodeUnit((unit) => agrees(approveCase, { id: `a${unit}`, actor: admin }))).toEqual([]);
  });

  it('the name control-character class is exactly nameSchema’s', () => {
    expect(everyCodeUnit((unit) => agrees(approveCase, { id: 'r-1', actor: { ...admin, name: `a${unit}` } }))).toEqual([]);
  });

  it('the text control-character class is exactly textSchema’s', () => {
    expect(everyCodeUnit((unit) => agrees(approveCase, { id: 'r-1', actor: admin, comment: `a${unit}` }))).toEqual([]);
  });

  it('the email pattern is the very object z.email() tests with', () => {
    expect((emailSchema.def as { pattern?: RegExp }).pattern).toBe(z.regexes.email);
  });

  it('the building blocks have the limits the fast path assumes', () => {
    expect(idSchema.safeParse(repeat('a', 128)).success).toBe(true);
    expect(idSchema.safeParse(repeat('a', 129)).success).toBe(false);
    expect(emailSchema.safeParse(emailOfLength(254)).success).toBe(true);
    expect(emailSchema.safeParse(emailOfLength(255)).success).toBe(false);
    expect(nameSchema.safeParse(repeat('x', 200)).success).toBe(true);
    expect(nameSchema.safeParse(repeat('x', 201)).success).toBe(false);
    expect(actorSchema.safeParse({ ...admin, roles: ['admin', 'builder', 'admin'] }).success).toBe(false);
    expect(diffFileSchema.safeParse({ path: repeat('p', 4_097), status: 'added', additions: 0, deletions: 0, binary: false }).success).toBe(
      false,
    );
    for (const [fast, schema, input] of [
      [fastApproveInput, approveInputSchema, { id: 'r', actor: admin, comment: repeat('n', 100_000) }],
      [fastRequestPublishInput, requestPublishInputSchema, { ...benchRequest(), subdomain: repeat('s', 1_000) }],
      [fastDiffSummary, diffSummarySchema, { ...benchDiff(), patch: repeat('x', MAX_PATCH_CHARS) }],
      [fastPullRequestRef, pullRequestRefSchema, { number: Number.MAX_SAFE_INTEGER, url: repeat('u', 2_048) }],
    ] as const) {
      expect(fast(input)).toStrictEqual(schema.parse(input));
    }
  });
});

function benchRequest() {
  return {
    workspace: { id: 'ws-1', name: 'Site 1', blueprintId: 'bp-1', ownerId: 'builder-1' },
    subdomain: 'site-1',
    actor: { id: 'builder-1', email: 'builder1@example.com', roles: ['builder'] },
  };
}
function benchDiff() {
  return {
    files: [{ path: 'index.html', status: 'modified', additions: 1, deletions: 1, binary: false }],
    additions: 1,
    deletions: 1,
    patch: 'diff --git a/index.html b/index.html\n--- a/index.html\n+++ b/index.html\n@@ -1 +1 @@\n-<h1>Site</h1>\n+<h1>Site 1</h1>\n',
    truncated: false,
  };
}

describe('hostile inputs, one by one', () => {
  const refused = (testCase: Case, input: unknown) => {
    expect(testCase.fast(input)).toBeUndefined();
    expect(testCase.schema.safeParse(input).success).toBe(false);
  };
  const leftToZod = (testCase: Case, input: unknown) => {
    expect(testCase.fast(input)).toBeUndefined();
    expect(testCase.schema.safeParse(input).success).toBe(true);
  };

  it('the bench inputs take the fast path', () => {
    expect(decide(requestCase, benchRequest())).toBe('fast');
    expect(decide(approveCase, { id: '7f1c9a3e-2b4d-4c8e-9f60-1a2b3c4d5e6f', actor: admin })).toBe('fast');
    expect(decide(diffCase, benchDiff())).toBe('fast');
    expect(decide(pullCase, { number: 1, url: 'https://git.example.test/acme/sites/pull/1' })).toBe('fast');
  });

  it('refuses CR/LF in an email (header injection)', () => {
    refused(requestCase, { ...benchRequest(), actor: { ...admin, email: 'admin@example.com\r\nBcc: evil@example.com' } });
    refused(approveCase, { id: 'r-1', actor: { ...admin, email: 'admin@example.com\n' } });
  });

  it('refuses an id that reads as a git option (--upload-pack=x)', () => {
    refused(approveCase, { id: '--upload-pack=x', actor: admin });
    refused(requestCase, { ...benchRequest(), idempotencyKey: '--upload-pack=x' });
    refused(requestCase, { ...benchRequest(), workspace: { ...benchRequest().workspace, blueprintId: '--upload-pack=x' } });
  });

  it('refuses an id with ".." (path traversal)', () => {
    refused(approveCase, { id: 'a..b', actor: admin });
    refused(approveCase, { id: 'r-1', actor: { ...admin, id: 'x..' } });
    refused(requestCase, { ...benchRequest(), workspace: { ...benchRequest().workspace, id: 'ws..1' } });
  });

  it('takes a 10 kB note and a 100,000-character note, refuses 100,001 characters', () => {
    expect(decide(requestCase, { ...benchRequest(), note: repeat('n', 10_240) })).toBe('fast');
    expect(decide(requestCase, { ...benchRequest(), note: repeat('n', 100_000) })).toBe('fast');
    refused(requestCase, { ...benchRequest(), note: repeat('n', 100_001) });
  });

  it('leaves strings over the limit in UTF-16 units but within it in code points to zod', () => {
    leftToZod(requestCase, { ...benchRequest(), note: repeat('😀', 50_001) });
    leftToZod(approveCase, { id: 'r-1', actor: { ...admin, name: repeat('😀', 101) } });
  });

  it('leaves a present-but-undefined optional key to zod, which keeps it as undefined', () => {
    const input = { id: 'r-1', actor: admin, comment: undefined };
    leftToZod(approveCase, input);
    expect(Object.keys(approveInputSchema.parse(input))).toEqual(['id', 'actor', 'comment']);
  });

  it('leaves class instances to zod and refuses arrays', () => {
    leftToZod(pullCase, Object.assign(new Input(), { number: 1, url: 'u' }));
    refused(pullCase, Object.assign([], { number: 1, url: 'u' }));
  });

  /** Runs `body` with `key` defined on Object.prototype, and always removes it again. */
  function withPollutedPrototype<T>(key: string, descriptor: PropertyDescriptor, body: () => T): T {
    Object.defineProperty(Object.prototype, key, { configurable: true, ...descriptor });
    try {
      return body();
    } finally {
      delete (Object.prototype as Bag)[key];
    }
  }
  const outcome = (testCase: Case, input: unknown) => ({
    fast: testCase.fast(input) !== undefined,
    zod: testCase.schema.safeParse(input).success,
  });

  it('refuses a key inherited from a polluted Object.prototype, as zod does (prototype pollution)', () => {
    const outcomes = withPollutedPrototype('polluted', { value: 'yes', enumerable: true, writable: true }, () => [
      outcome(requestCase, benchRequest()),
      outcome(approveCase, { id: 'r-1', actor: admin }),
      outcome(diffCase, benchDiff()),
      outcome(pullCase, { number: 1, url: 'u' }),
    ]);
    expect(outcomes).toEqual(new Array(4).fill({ fast: false, zod: false }));
  });

  it('leaves a declared field inherited from Object.prototype to zod (a read-only one zod silently drops)', () => {
    const [readOnly, writable] = [false, true].map((isWritable) =>
      withPollutedPrototype('url', { value: 'https://evil.test/', enumerable: true, writable: isWritable }, () => {
        const input = { number: 1 };
        return { fast: fastPullRequestRef(input), zod: pullRequestRefSchema.safeParse(input) };
      }),
    );
    expect(readOnly?.fast).toBeUndefined();
    expect(readOnly?.zod.data).toStrictEqual({ number: 1 });
    expect(writable?.fast).toBeUndefined();
    expect(writable?.zod.data).toStrictEqual({ number: 1, url: 'https://evil.test/' });
  });

  it('leaves fields zod finds with `in` but not `for...in` to zod (inherited or non-enumerable)', () => {
    const hidden = <T extends object>(target: T, key: string, value: unknown): T =>
      Object.defineProperty(target, key, { value, enumerable: false, configurable: true, writable: true });
    const inherited = withPollutedPrototype('comment', { value: 'from the prototype', enumerable: false }, () =>
      outcome(approveCase, { id: 'r-1', actor: admin }),
    );
    expect(inherited).toEqual({ fast: false, zod: true });
    leftToZod(approveCase, hidden({ id: 'r-1', actor: admin }, 'comment', 'hidden'));
    leftToZod(approveCase, { id: 'r-1', actor: hidden({ ...admin }, 'name', 'Ann') });
    leftToZod(requestCase, { ...benchRequest(), workspace: hidden({ ...benchRequest().workspace }, 'ownerId', 'builder-1') });
    leftToZod(requestCase, hidden(benchRequest(), 'note', 'hi'));
    leftToZod(diffCase, hidden(benchDiff(), 'patch', ''));
    leftToZod(pullCase, hidden({ number: 1 }, 'url', 'u'));
    // Present but hidden and undefined: zod writes `key: undefined`, which no fast output has.
    leftToZod(approveCase, hidden({ id: 'r-1', actor: admin }, 'comment', undefined));
    leftToZod(approveCase, hidden({ id: 'r-1', actor: admin }, 'expectedVersion', undefined));
    leftToZod(approveCase, { id: 'r-1', actor: hidden({ ...admin }, 'name', undefined) });
    leftToZod(requestCase, hidden(benchRequest(), 'note', undefined));
    leftToZod(requestCase, hidden(benchRequest(), 'idempotencyKey', undefined));
    const file = { path: 'a', status: 'added', additions: 1, deletions: 0, binary: false };
    leftToZod(diffCase, { ...benchDiff(), files: [hidden({ ...file }, 'oldPath', undefined)] });
    leftToZod(pullCase, Object.create({ number: 1, url: 'u' }));
  });

  it('refuses an unknown key even when a hidden declared field keeps the key count right', () => {
    const hiddenName = (extra: Bag) => Object.defineProperty({ ...admin, ...extra }, 'name', { value: 'Ann', enumerable: false });
    refused(approveCase, { id: 'r-1', actor: hiddenName({ extra: 1 }) });
    const hiddenUrl = Object.defineProperty({ number: 1, extra: 1 }, 'url', { value: 'u', enumerable: false });
    refused(pullCase, hiddenUrl);
  });

  it('writes fields in zod’s (shape) order whatever the input order', () => {
    const input = { idempotencyKey: 'k-1', note: 'hi', actor: admin, subdomain: 'site-1', workspace: benchRequest().workspace };
    const expected = ['workspace', 'subdomain', 'actor', 'note', 'idempotencyKey'];
    expect(Object.keys(requestPublishInputSchema.parse(input))).toEqual(expected);
    expect(Object.keys(fastRequestPublishInput(input) ?? {})).toEqual(expected);
    const file = { binary: false, deletions: 0, additions: 0, status: 'renamed', oldPath: 'a', path: 'b' };
    const diff = { truncated: false, patch: '', deletions: 0, additions: 0, files: [file] };
    const fileOrder = ['path', 'oldPath', 'status', 'additions', 'deletions', 'binary'];
    expect(Object.keys(diffSummarySchema.parse(diff).files[0] ?? {})).toEqual(fileOrder);
    expect(Object.keys(fastDiffSummary(diff)?.files[0] ?? {})).toEqual(fileOrder);
    expect(decide(diffCase, diff)).toBe('fast');
  });

  it('keeps -0 where zod keeps it and refuses it where zod does', () => {
    expect(Object.is(fastDiffSummary({ ...benchDiff(), additions: -0 })?.additions, -0)).toBe(true);
    refused(pullCase, { number: -0, url: 'u' });
    refused(approveCase, { id: 'r-1', actor: admin, expectedVersion: -0 });
  });
});

describe('the checker catches a broken fast path', () => {
  const approveWithDots = validApprove.map((input) => ({ ...input, id: `${input.id}..x` }));
  const broken: [string, Fast, fc.Arbitrary<unknown>, string][] = [
    [
      'one that writes a key out of order',
      (value) => {
        const parsed = fastApproveInput(value);
        if (!parsed) return parsed;
        const { id, ...rest } = parsed;
        return { ...rest, id };
      },
      validApprove,
      'key order',
    ],
    [
      'one that hands back the input’s roles array',
      (value) => {
        const parsed = fastApproveInput(value);
        if (parsed) parsed.actor.roles = (value as { actor: { roles: typeof parsed.actor.roles } }).actor.roles;
        return parsed;
      },
      validApprove,
      'not a fresh copy',
    ],
    [
      'one that adds an optional key as undefined',
      (value) => {
        const parsed = fastApproveInput(value);
        return parsed && { ...parsed, actor: { ...parsed.actor, name: parsed.actor.name } };
      },
      validApprove,
      'not deep-equal',
    ],
    [
      'one that forgets the ".." rule',
      (value) => {
        const { id, ...rest } = value as { id: string };
        const parsed = fastApproveInput({ ...rest, id: id.replaceAll('..', '._') });
        return parsed && { ...parsed, id };
      },
      approveWithDots,
      'accepted what zod refuses',
    ],
  ];

  it.each(broken)('%s', (_name, fast, inputs, expected) => {
    const result = fc.check(
      fc.property(inputs, (input) => mismatch(approveInputSchema, input, fast(input)) === undefined),
      { numRuns: 200 },
    );
    expect(result.failed).toBe(true);
    const counterexample = result.counterexample?.[0];
    expect(mismatch(approveInputSchema, counterexample, fast(counterexample))).toContain(expected);
  });
});
