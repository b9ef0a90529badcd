import * as z from 'zod';
import type { approveInputSchema, requestPublishInputSchema } from './gateSchemas.js';
import {
  type Actor,
  type DiffFile,
  type DiffSummary,
  MAX_DIFF_FILES,
  MAX_PATCH_CHARS,
  type PullRequestRef,
  type Workspace,
} from './schemas.js';

// Hand-written equivalents of the hot zod schemas. Each returns exactly what `safeParse(v).data`
// returns for the plain, valid case, and `undefined` for anything else: the caller then runs zod,
// which alone produces errors and decides every unusual case. Soundness rule: accept only what
// zod accepts.
//
// Objects: zod finds unknown keys with `for...in` (inherited enumerable keys included, so a
// polluted Object.prototype makes it refuse) and presence with `in`. We enumerate the same way,
// and accept only when every key is known and own, and their count matches the fields we output:
// inherited and non-enumerable fields, where zod's output depends on how it assigns, go to zod.
// Accessors cannot be told apart without allocating a descriptor; each is read once, as zod does.
// Outputs are whole literals, one per combination of optional fields, in shape order (zod's).
//
// Lengths: zod measures strings in code points, we read `.length` (UTF-16 units). Units ≥ code
// points, so "units ≤ max" is safe to accept; a string over the limit in units may still fit in
// code points (emoji), and that rare case is left to zod.

// Must stay equal to ID_PATTERN in schemas.ts (not exported there). fastParse.test.ts checks every
// UTF-16 code unit in both positions against idSchema.
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@+=~-]*$/;
// Must stay equal to CONTROL_CHARS in schemas.ts (nameSchema's refinement); tested the same way.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const NAME_CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// Must stay equal to the refinement inside textSchema in schemas.ts; tested the same way.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const TEXT_CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
// zod's own object, the one z.email() tests with: a retyped copy could drift on a zod upgrade.
const EMAIL_PATTERN = z.regexes.email;
// Must stay equal to `longText` (textSchema(100_000)) and `rawSubdomain` in gateSchemas.ts.
const LONG_TEXT_MAX = 100_000;
const RAW_SUBDOMAIN_MAX = 1_000;

type Bag = Record<string, unknown>;
type RequestPublishInput = z.output<typeof requestPublishInputSchema>;
type ApproveInput = z.output<typeof approveInputSchema>;

// Class instances, boxed values, Dates and arrays are rare and zod's treatment of them is subtle
// (it reads inherited accessors); they go to zod.
function isPlainObject(value: unknown): value is Bag {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// The fields of each schema's shape, in shape order; fastParse.test.ts fails when a schema changes.
const ACTOR_KEYS: ReadonlySet<string> = new Set(['id', 'email', 'roles', 'name']);
const WORKSPACE_KEYS: ReadonlySet<string> = new Set(['id', 'name', 'blueprintId', 'ownerId']);
const DIFF_FILE_KEYS: ReadonlySet<string> = new Set(['path', 'oldPath', 'status', 'additions', 'deletions', 'binary']);
const REQUEST_PUBLISH_KEYS: ReadonlySet<string> = new Set(['workspace', 'subdomain', 'actor', 'note', 'idempotencyKey']);
const APPROVE_KEYS: ReadonlySet<string> = new Set(['id', 'actor', 'comment', 'expectedVersion']);
const DIFF_SUMMARY_KEYS: ReadonlySet<string> = new Set(['files', 'additions', 'deletions', 'patch', 'truncated']);
const PULL_REQUEST_REF_KEYS: ReadonlySet<string> = new Set(['number', 'url']);

/** The fields each fast path knows, per schema; a test holds them equal to the schemas' shapes. */
export const FAST_PARSE_FIELDS = {
  actor: ACTOR_KEYS,
  workspace: WORKSPACE_KEYS,
  diffFile: DIFF_FILE_KEYS,
  requestPublishInput: REQUEST_PUBLISH_KEYS,
  approveInput: APPROVE_KEYS,
  diffSummary: DIFF_SUMMARY_KEYS,
  pullRequestRef: PULL_REQUEST_REF_KEYS,
} as const;

// The keys zod would look at (`for...in`), counted; -1 when one is unknown or not the object's own.
function knownOwnKeys(value: Bag, known: ReadonlySet<string>): number {
  let keys = 0;
  for (const key in value) {
    if (!known.has(key) || !Object.hasOwn(value, key)) return -1;
    keys += 1;
  }
  return keys;
}

// An optional field that is absent or valid. Present with the value `undefined`, zod keeps the key
// in its output, so that case is not taken here either.
function optionalField<T>(value: Bag, key: string, field: unknown, valid: (field: unknown) => field is T): field is T | undefined {
  return field === undefined ? !(key in value) : valid(field);
}

function isId(value: unknown): value is string {
  // The pattern's first class makes min(1) implicit. Length first: no regex over a huge string.
  return typeof value === 'string' && value.length <= 128 && ID_PATTERN.test(value) && !value.includes('..');
}

function isEmail(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 254 && EMAIL_PATTERN.test(value);
}

function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= 200 && !NAME_CONTROL_CHARS.test(value);
}

function isLongText(value: unknown): value is string {
  return typeof value === 'string' && value.length <= LONG_TEXT_MAX && !TEXT_CONTROL_CHARS.test(value);
}

function isPath(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= 4096 && !value.includes('\u0000');
}

// z.number().int() is a safe-integer check and z.number() refuses NaN and ±Infinity;
// Number.isSafeInteger covers all three (and non-numbers). -0 passes both, as in zod.
function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isPositive(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

function isRole(value: unknown): value is 'builder' | 'admin' {
  return value === 'builder' || value === 'admin';
}

function fastRoles(value: unknown): Actor['roles'] | undefined {
  if (!Array.isArray(value)) return undefined;
  const list: readonly unknown[] = value;
  // A hole reads as undefined, which is no role, so sparse arrays fall through to zod.
  const length = list.length;
  if (length === 0) return [];
  if (length > 2) return undefined;
  const first = list[0];
  if (!isRole(first)) return undefined;
  if (length === 1) return [first];
  const second = list[1];
  return isRole(second) ? [first, second] : undefined;
}

function fastActor(value: unknown): Actor | undefined {
  if (!isPlainObject(value)) return undefined;
  const keys = knownOwnKeys(value, ACTOR_KEYS);
  if (keys < 0) return undefined;
  const id = value.id;
  const email = value.email;
  const name = value.name;
  if (!isId(id) || !isEmail(email)) return undefined;
  const roles = fastRoles(value.roles);
  if (roles === undefined) return undefined;
  if (name === undefined) return keys === 3 && !('name' in value) ? { id, email, roles } : undefined;
  return keys === 4 && isName(name) ? { id, email, roles, name } : undefined;
}

function fastWorkspace(value: unknown): Workspace | undefined {
  if (!isPlainObject(value)) return undefined;
  const keys = knownOwnKeys(value, WORKSPACE_KEYS);
  if (keys < 0) return undefined;
  const id = value.id;
  const name = value.name;
  const blueprintId = value.blueprintId;
  const ownerId = value.ownerId;
  if (keys !== 4 || !isId(id) || !isName(name) || !isId(blueprintId) || !isId(ownerId)) return undefined;
  return { id, name, blueprintId, ownerId };
}

function fastDiffFile(value: unknown): DiffFile | undefined {
  if (!isPlainObject(value)) return undefined;
  const keys = knownOwnKeys(value, DIFF_FILE_KEYS);
  if (keys < 0) return undefined;
  const path = value.path;
  const oldPath = value.oldPath;
  const status = value.status;
  const additions = value.additions;
  const deletions = value.deletions;
  const binary = value.binary;
  if (!isPath(path) || !isCount(additions) || !isCount(deletions) || typeof binary !== 'boolean') return undefined;
  if (status !== 'added' && status !== 'modified' && status !== 'deleted' && status !== 'renamed') return undefined;
  if (oldPath === undefined) return keys === 5 && !('oldPath' in value) ? { path, status, additions, deletions, binary } : undefined;
  return keys === 6 && isPath(oldPath) ? { path, oldPath, status, additions, deletions, binary } : undefined;
}

/**
 * Fast path for `requestPublishInputSchema`: the parsed input for a plain, valid object, or
 * `undefined` when zod must decide (anything invalid or unusual). Never accepts what zod refuses.
 *
 * @example
 * const parsed = fastRequestPublishInput(input) ?? parseOrThrow(requestPublishInputSchema, input, 'publish request');
 */
export function fastRequestPublishInput(value: unknown): RequestPublishInput | undefined {
  if (!isPlainObject(value)) return undefined;
  const keys = knownOwnKeys(value, REQUEST_PUBLISH_KEYS);
  if (keys < 0) return undefined;
  const subdomain = value.subdomain;
  const note = value.note;
  const idempotencyKey = value.idempotencyKey;
  if (typeof subdomain !== 'string' || subdomain.length > RAW_SUBDOMAIN_MAX) return undefined;
  if (!optionalField(value, 'note', note, isLongText) || !optionalField(value, 'idempotencyKey', idempotencyKey, isId)) return undefined;
  if (keys !== 3 + (note === undefined ? 0 : 1) + (idempotencyKey === undefined ? 0 : 1)) return undefined;
  const workspace = fastWorkspace(value.workspace);
  if (workspace === undefined) return undefined;
  const actor = fastActor(value.actor);
  if (actor === undefined) return undefined;
  if (note === undefined) {
    return idempotencyKey === undefined ? { workspace, subdomain, actor } : { workspace, subdomain, actor, idempotencyKey };
  }
  return idempotencyKey === undefined ? { workspace, subdomain, actor, note } : { workspace, subdomain, actor, note, idempotencyKey };
}

/**
 * Fast path for `approveInputSchema`: the parsed input for a plain, valid object, or `undefined`
 * when zod must decide. Never accepts what zod refuses.
 */
export function fastApproveInput(value: unknown): ApproveInput | undefined {
  if (!isPlainObject(value)) return undefined;
  const keys = knownOwnKeys(value, APPROVE_KEYS);
  if (keys < 0) return undefined;
  const id = value.id;
  const comment = value.comment;
  const expectedVersion = value.expectedVersion;
  if (!isId(id)) return undefined;
  if (!optionalField(value, 'comment', comment, isLongText) || !optionalField(value, 'expectedVersion', expectedVersion, isPositive)) {
    return undefined;
  }
  if (keys !== 2 + (comment === undefined ? 0 : 1) + (expectedVersion === undefined ? 0 : 1)) return undefined;
  const actor = fastActor(value.actor);
  if (actor === undefined) return undefined;
  if (comment === undefined) return expectedVersion === undefined ? { id, actor } : { id, actor, expectedVersion };
  return expectedVersion === undefined ? { id, actor, comment } : { id, actor, comment, expectedVersion };
}

/**
 * Fast path for `diffSummarySchema` (a git adapter's `preview` result): a fresh copy for a plain,
 * valid summary, or `undefined` when zod must decide. Never accepts what zod refuses.
 */
export function fastDiffSummary(value: unknown): DiffSummary | undefined {
  if (!isPlainObject(value)) return undefined;
  const keys = knownOwnKeys(value, DIFF_SUMMARY_KEYS);
  if (keys < 0) return undefined;
  const rawFiles = value.files;
  const additions = value.additions;
  const deletions = value.deletions;
  const patch = value.patch;
  const truncated = value.truncated;
  if (keys !== 5 || !isCount(additions) || !isCount(deletions) || typeof truncated !== 'boolean') return undefined;
  if (typeof patch !== 'string' || patch.length > MAX_PATCH_CHARS) return undefined;
  if (!Array.isArray(rawFiles)) return undefined;
  const list: readonly unknown[] = rawFiles;
  const length = list.length;
  if (length > MAX_DIFF_FILES) return undefined;
  // Sized up front: the request keeps this array for good, and one grown by push keeps room for 17.
  const files = new Array<DiffFile>(length);
  for (let index = 0; index < length; index += 1) {
    const file = fastDiffFile(list[index]);
    if (file === undefined) return undefined;
    files[index] = file;
  }
  return { files, additions, deletions, patch, truncated };
}

/**
 * Fast path for `pullRequestRefSchema` (a git host's `openPullRequest` result): a fresh copy for a
 * plain, valid ref, or `undefined` when zod must decide. Never accepts what zod refuses.
 */
export function fastPullRequestRef(value: unknown): PullRequestRef | undefined {
  if (!isPlainObject(value)) return undefined;
  const keys = knownOwnKeys(value, PULL_REQUEST_REF_KEYS);
  if (keys < 0) return undefined;
  const number = value.number;
  const url = value.url;
  if (keys !== 2 || !isPositive(number) || typeof url !== 'string' || url.length < 1 || url.length > 2048) return undefined;
  return { number, url };
}
