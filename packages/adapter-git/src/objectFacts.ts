import { createHash } from 'node:crypto';
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';

/** What the adapter needs to know about a commit it looked up. */
export type CommitFacts = {
  /** The commit's full id. */
  sha: string;
  /** Its tree's full id. */
  tree: string;
};

/** A commit read whole: its facts plus what decides whether a publish commit may be replaced. */
export type CommitDetails = CommitFacts & {
  parents: string[];
  /** `Name <email>` of the committer, without the timestamp. */
  committer: string;
  /** The message exactly as stored. */
  message: string;
};

/** A bounded map of facts that never change (keys are content ids), oldest entry dropped first. */
export type FactCache<T> = { get(key: string): T | undefined; set(key: string, value: T): void };

/** Creates a {@link FactCache} holding at most `max` entries. */
export function createFactCache<T>(max: number): FactCache<T> {
  const entries = new Map<string, T>();
  return {
    get: (key) => entries.get(key),
    set(key, value) {
      entries.delete(key);
      entries.set(key, value);
      if (entries.size > max) entries.delete(entries.keys().next().value as string);
    },
  };
}

const NEWLINE = 0x0a;
const MAX_LOOSE_BYTES = 1024 * 1024;

/**
 * The tree of a commit read straight from its loose object file, or undefined when it is not a
 * loose commit this function can vouch for (then ask git). The inflated bytes must hash to `sha`,
 * so whatever lies in the builder's object directory, the answer is that commit's tree or nothing.
 * It saves a git process after `git commit`, which always writes its commit loose.
 */
export async function readLooseCommit(objectsDir: string, sha: string): Promise<string | undefined> {
  try {
    const path = join(objectsDir, sha.slice(0, 2), sha.slice(2));
    const info = await lstat(path);
    if (!info.isFile() || info.size > MAX_LOOSE_BYTES) return undefined;
    const inflated = inflateSync(await readFile(path), { maxOutputLength: MAX_LOOSE_BYTES });
    if (
      createHash(sha.length === 64 ? 'sha256' : 'sha1')
        .update(inflated)
        .digest('hex') !== sha
    )
      return undefined;
    const text = inflated.toString('latin1');
    const match = /^commit \d+\0tree ([0-9a-f]{40}|[0-9a-f]{64})\n/.exec(text);
    return match?.[1];
  } catch {
    return undefined;
  }
}

/**
 * Parses `git cat-file --batch` output for `count` requested names, in order. A name that is
 * missing, ambiguous or not a commit comes back `undefined`. Sizes are in bytes, so the output is
 * read as bytes: a commit message in another encoding cannot shift the next record.
 */
export function parseCatFileBatch(output: Buffer, count: number): Array<CommitDetails | undefined> {
  const found: Array<CommitDetails | undefined> = [];
  let position = 0;
  for (let index = 0; index < count; index += 1) {
    const end = output.indexOf(NEWLINE, position);
    if (end < 0) throw new Error('git cat-file --batch ended early.');
    const header = output.subarray(position, end).toString('utf8');
    position = end + 1;
    const [sha = '', type = '', size = ''] = header.split(' ');
    if (!/^\d+$/.test(size)) {
      // `<name> missing` or `<name> ambiguous`: no contents follow.
      found.push(undefined);
      continue;
    }
    const length = Number(size);
    const contents = output.subarray(position, position + length);
    if (contents.length !== length) throw new Error('git cat-file --batch ended early.');
    position += length + 1;
    found.push(type === 'commit' ? parseCommit(sha, contents.toString('utf8')) : undefined);
  }
  return found;
}

function parseCommit(sha: string, text: string): CommitDetails | undefined {
  const split = text.indexOf('\n\n');
  const headers = (split < 0 ? text : text.slice(0, split)).split('\n');
  let tree = '';
  let committer = '';
  const parents: string[] = [];
  for (const line of headers) {
    if (line.startsWith('tree ')) tree = line.slice(5);
    else if (line.startsWith('parent ')) parents.push(line.slice(7));
    // `committer Name <email> 1700000000 +0000`: keep the identity, drop the time.
    else if (line.startsWith('committer ')) committer = line.slice(10).replace(/ \d+ [+-]\d{4}$/, '');
  }
  if (!tree) return undefined;
  return { sha, tree, parents, committer, message: split < 0 ? '' : text.slice(split + 2) };
}
