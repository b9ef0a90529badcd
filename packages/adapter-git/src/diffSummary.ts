import type { DiffFile } from '@publishgate/core';

type RawEntry = { status: string; path: string; oldPath?: string };
type NumstatEntry = { path: string; additions: number; deletions: number; binary: boolean };

/**
 * Parses `git diff --raw --numstat -z -M` output into files. Both sections list the same file pairs
 * in the same order; NUL separation keeps every byte of a path (quotes, tabs, newlines) intact.
 */
export function parseRawNumstat(output: string): DiffFile[] {
  const tokens = output.split('\0');
  const raw: RawEntry[] = [];
  const stats: NumstatEntry[] = [];
  let index = 0;
  while (index < tokens.length) {
    const token = tokens[index] as string;
    index += 1;
    if (token === '') continue;
    if (token.startsWith(':')) {
      const status = token.split(' ')[4] ?? '';
      const first = tokens[index] ?? '';
      index += 1;
      if (status.startsWith('R') || status.startsWith('C')) {
        const second = tokens[index] ?? '';
        index += 1;
        raw.push({ status, path: second, oldPath: first });
      } else {
        raw.push({ status, path: first });
      }
      continue;
    }
    const [added = '', deleted = '', path = ''] = token.split('\t');
    const binary = added === '-' && deleted === '-';
    let target = path;
    if (path === '') {
      // A rename: the two paths follow as their own tokens.
      index += 1;
      target = tokens[index] ?? '';
      index += 1;
    }
    stats.push({ path: target, additions: binary ? 0 : Number(added) || 0, deletions: binary ? 0 : Number(deleted) || 0, binary });
  }
  return raw.map((entry, position) => {
    const stat = stats[position]?.path === entry.path ? stats[position] : stats.find((candidate) => candidate.path === entry.path);
    const status = toStatus(entry.status);
    return {
      path: entry.path,
      ...(status === 'renamed' && entry.oldPath !== undefined ? { oldPath: entry.oldPath } : {}),
      status,
      additions: stat?.additions ?? 0,
      deletions: stat?.deletions ?? 0,
      binary: stat?.binary ?? false,
    };
  });
}

function toStatus(code: string): DiffFile['status'] {
  switch (code.charAt(0)) {
    case 'A':
    case 'C':
      return 'added';
    case 'D':
      return 'deleted';
    case 'R':
      return 'renamed';
    default:
      return 'modified';
  }
}

/** Budgets for {@link createPatchCollector}, in characters (what the DiffSummary schema measures). */
export type PatchBudget = { maxPatchChars: number; maxFilePatchChars: number };

const HEADER = 'diff --git ';

/**
 * Collects a unified patch from a stream of text without ever holding more than one file's budget:
 * each file's section is cut at `maxFilePatchChars` (with a note line saying how much was left out)
 * and files are added whole until the next one would pass `maxPatchChars`. `push` returns false
 * once the total budget is spent, so the caller can stop the git process.
 *
 * Sections start at lines beginning with `diff --git `; content lines always start with ` `, `+`,
 * `-` or `\`, so a header can never be forged from file content.
 */
export function createPatchCollector(budget: PatchBudget) {
  const pieces: string[] = [];
  let total = 0;
  let truncated = false;
  let done = false;
  let file = '';
  let fileSkipped = 0;
  let inFile = false;
  let atLineStart = true;
  // The start of a line shorter than the header, held until it can be classified.
  let pending = '';

  const noteFor = (skipped: number) => `\\ publishgate: ${skipped} more characters of this file's patch are not shown\n`;
  // Room kept for the note, so a cut file section still fits its budget.
  const noteRoom = noteFor(Number.MAX_SAFE_INTEGER).length;

  function closeFile(): boolean {
    if (!inFile) return true;
    let section = file;
    if (fileSkipped > 0) {
      truncated = true;
      section = `${section.endsWith('\n') ? section : `${section}\n`}${noteFor(fileSkipped)}`;
    }
    inFile = false;
    file = '';
    fileSkipped = 0;
    if (total + section.length > budget.maxPatchChars) {
      truncated = true;
      done = true;
      return false;
    }
    pieces.push(section);
    total += section.length;
    return true;
  }

  function append(text: string) {
    if (!inFile) return;
    const room = Math.max(0, budget.maxFilePatchChars - noteRoom - file.length);
    if (fileSkipped > 0 || text.length > room) {
      file += text.slice(0, room);
      fileSkipped += text.length - Math.min(room, text.length);
    } else {
      file += text;
    }
  }

  function startFile(): boolean {
    if (!closeFile()) return false;
    inFile = true;
    return true;
  }

  // Feeds one run of text that lies within a single line (it may end with the newline).
  function feedSegment(segment: string): boolean {
    if (atLineStart) {
      const candidate = pending + segment;
      if (candidate.length < HEADER.length && !candidate.endsWith('\n')) {
        pending = candidate;
        return true;
      }
      pending = '';
      if (candidate.startsWith(HEADER) && !startFile()) return false;
      append(candidate);
    } else {
      append(segment);
    }
    atLineStart = segment.endsWith('\n');
    return true;
  }

  return {
    /** Adds streamed text; false means the total budget is spent and the rest is not wanted. */
    push(text: string): boolean {
      if (done) return false;
      let start = 0;
      while (start < text.length) {
        const newline = text.indexOf('\n', start);
        const end = newline < 0 ? text.length : newline + 1;
        if (!feedSegment(text.slice(start, end))) return false;
        start = end;
      }
      return true;
    },
    /** The collected patch. `stoppedEarly` says the stream was cut off, so the patch is incomplete. */
    finish(stoppedEarly = false): { patch: string; truncated: boolean } {
      if (!done) {
        if (pending) append(pending);
        pending = '';
        closeFile();
      }
      return { patch: pieces.join(''), truncated: truncated || stoppedEarly };
    },
  };
}

/** What {@link createCombinedDiffReader} collected. */
export type CombinedDiff = { files: DiffFile[]; patch: string; truncated: boolean };

// In `-z` output, the file listing and the patch are separated by one extra NUL; no listing token
// is ever empty, so the first pair of NULs is that separator.
const LISTING_END = '\0\0';

/**
 * Reads `git diff --raw --numstat -z -p` output, one process for both the file listing and the
 * patch: the listing (small, every file) is kept whole and parsed with {@link parseRawNumstat};
 * the patch that follows goes through a {@link createPatchCollector} with the budget.
 */
export function createCombinedDiffReader(budget: PatchBudget) {
  const patch = createPatchCollector(budget);
  let listing = '';
  let inPatch = false;
  return {
    /** Adds streamed text; false means the patch budget is spent and the rest is not wanted. */
    push(text: string): boolean {
      if (inPatch) return patch.push(text);
      listing += text;
      const end = listing.indexOf(LISTING_END);
      if (end < 0) return true;
      const rest = listing.slice(end + LISTING_END.length);
      listing = listing.slice(0, end + 1);
      inPatch = true;
      return rest === '' ? true : patch.push(rest);
    },
    /** The files and the bounded patch. `stoppedEarly` says the stream was cut off. */
    finish(stoppedEarly = false): CombinedDiff {
      const files = parseRawNumstat(listing);
      const { patch: text, truncated } = patch.finish(stoppedEarly);
      return { files, patch: text, truncated };
    },
  };
}
