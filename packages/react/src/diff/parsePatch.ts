/** One line of a hunk. Line numbers are those of the old and new file, where the line exists there. */
export type PatchLine =
  | { kind: 'add'; text: string; newLine: number }
  | { kind: 'remove'; text: string; oldLine: number }
  | { kind: 'context'; text: string; oldLine: number; newLine: number }
  /** `\ No newline at end of file`, or an adapter's marker such as `[file patch truncated]`. */
  | { kind: 'note'; text: string };

/** One `@@ … @@` section of a file's patch. */
export type PatchHunk = { header: string; lines: PatchLine[] };

/** The patch of one file. */
export type FilePatch = {
  /** The file's path after the change (before it, for a deletion). */
  path: string;
  /** The path before a rename. */
  oldPath: string | undefined;
  /** `Binary files … differ`: no hunks. */
  binary: boolean;
  hunks: PatchHunk[];
  /** How many hunk lines there are in all (for "show all N lines"). */
  lineCount: number;
};

const HUNK_HEADER = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

/**
 * Splits a unified git patch (`diff --git` sections with `@@` hunks) into per-file hunks. Never
 * throws: anything it does not recognise becomes a `note` line, so a truncated or unusual patch
 * still shows what it has. Paths come from the `+++`/`---`/`rename` lines, which, unlike the
 * `diff --git a/… b/…` line, are unambiguous when a path contains spaces.
 */
export function parsePatch(patch: string): FilePatch[] {
  const files: FilePatch[] = [];
  let file: (FilePatch & { gitLine: string; fromLine: string | undefined; toLine: string | undefined }) | undefined;
  let hunk: PatchHunk | undefined;
  let oldLine = 0;
  let newLine = 0;

  const finish = () => {
    if (!file) return;
    const { gitLine, fromLine, toLine, ...rest } = file;
    const paths = pathsFrom(gitLine, fromLine, toLine, rest.oldPath, rest.path);
    files.push({ ...rest, path: paths.path, oldPath: paths.oldPath });
    file = undefined;
    hunk = undefined;
  };

  const lines = patch.split('\n');
  // A patch ends with a newline: the empty string after it is not a line.
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    if (line.startsWith('diff --git ')) {
      finish();
      file = {
        path: '',
        oldPath: undefined,
        binary: false,
        hunks: [],
        lineCount: 0,
        gitLine: line,
        fromLine: undefined,
        toLine: undefined,
      };
      continue;
    }
    if (!file) continue;
    if (!hunk) {
      if (line.startsWith('--- ')) file.fromLine = line.slice(4);
      else if (line.startsWith('+++ ')) file.toLine = line.slice(4);
      else if (line.startsWith('rename from ')) file.oldPath = line.slice('rename from '.length);
      else if (line.startsWith('rename to ')) file.path = line.slice('rename to '.length);
      else if (line.startsWith('Binary files ') || line === 'GIT binary patch') file.binary = true;
    }
    const header = HUNK_HEADER.exec(line);
    if (header) {
      hunk = { header: line, lines: [] };
      file.hunks.push(hunk);
      oldLine = Number(header[1]);
      newLine = Number(header[2]);
      continue;
    }
    if (!hunk) continue;
    const sign = line[0];
    const text = line.slice(1);
    if (sign === '+') hunk.lines.push({ kind: 'add', text, newLine: newLine++ });
    else if (sign === '-') hunk.lines.push({ kind: 'remove', text, oldLine: oldLine++ });
    else if (sign === ' ') hunk.lines.push({ kind: 'context', text, oldLine: oldLine++, newLine: newLine++ });
    else hunk.lines.push({ kind: 'note', text: line });
    file.lineCount += 1;
  }
  finish();
  return files;
}

function stripPrefix(value: string | undefined, prefix: string): string | undefined {
  if (value === undefined || value === '/dev/null') return undefined;
  // git appends a tab to names containing spaces in ---/+++ lines.
  const clean = value.endsWith('\t') ? value.slice(0, -1) : value;
  return clean.startsWith(prefix) ? clean.slice(prefix.length) : clean;
}

function pathsFrom(
  gitLine: string,
  fromLine: string | undefined,
  toLine: string | undefined,
  renameFrom: string | undefined,
  renameTo: string,
) {
  const from = renameFrom ?? stripPrefix(fromLine, 'a/');
  const to = renameTo || stripPrefix(toLine, 'b/');
  if (to !== undefined || from !== undefined) return { path: (to ?? from) as string, oldPath: renameFrom };
  // Only the `diff --git a/X b/Y` line (a mode change, an empty or binary file): split it in the
  // middle when both halves are the same path, which is the case without a rename.
  const rest = gitLine.slice('diff --git '.length);
  const half = (rest.length - 1) / 2;
  const left = rest.slice(0, half);
  const right = rest.slice(half + 1);
  if (Number.isInteger(half) && left.startsWith('a/') && right.startsWith('b/') && left.slice(2) === right.slice(2)) {
    return { path: left.slice(2), oldPath: undefined };
  }
  return { path: rest.startsWith('a/') ? rest.slice(2) : rest, oldPath: undefined };
}
