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
 * `diff --git a/… b/…` line, are unambiguous when a path contains spaces. Paths git writes
 * C-style quoted (`"b/caf\303\251.html"`: non-ASCII bytes with `core.quotePath`, and tabs,
 * newlines, quotes and backslashes always) are unquoted, so they match the diff's file list.
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
      else if (line.startsWith('rename from ')) file.oldPath = headerPath(line.slice('rename from '.length));
      else if (line.startsWith('rename to ')) file.path = headerPath(line.slice('rename to '.length));
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
  const clean = headerPath(value);
  return clean.startsWith(prefix) ? clean.slice(prefix.length) : clean;
}

/** A path as written after `---`, `+++`, `rename from`/`to`: C-quoted, or raw with git's trailing tab when it has a space. */
function headerPath(value: string): string {
  if (value.startsWith('"')) {
    const quoted = unquoteC(value, 0);
    if (quoted) return quoted.value;
  }
  return value.endsWith('\t') ? value.slice(0, -1) : value;
}

const ESCAPES: Readonly<Record<string, number>> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };
const utf8 = new TextEncoder();

/**
 * Reads the C-style quoted string git writes (`quote_c_style`) starting at `start` (a `"`): octal
 * escapes are bytes, joined and decoded as UTF-8, so `"caf\303\251"` is `café`. Undefined when
 * the quote is not closed or an escape is unknown: then the text is not a quoted path after all.
 */
function unquoteC(text: string, start: number): { value: string; end: number } | undefined {
  const bytes: number[] = [];
  let index = start + 1;
  while (index < text.length) {
    const char = text[index] as string;
    if (char === '"') return { value: new TextDecoder().decode(new Uint8Array(bytes)), end: index + 1 };
    if (char !== '\\') {
      // Raw characters (UTF-8 names with core.quotePath=false) re-encoded, then decoded with the escaped bytes.
      const codePoint = text.codePointAt(index) as number;
      const width = codePoint > 0xffff ? 2 : 1;
      bytes.push(...utf8.encode(text.slice(index, index + width)));
      index += width;
      continue;
    }
    const next = text[index + 1];
    if (next === undefined) return undefined;
    const octal = /^[0-3][0-7]{2}/.exec(text.slice(index + 1, index + 4));
    if (octal) {
      bytes.push(Number.parseInt(octal[0], 8));
      index += 4;
    } else if (next in ESCAPES) {
      bytes.push(ESCAPES[next] as number);
      index += 2;
    } else return undefined;
  }
  return undefined;
}

/** The two paths of a `diff --git` line when at least one is quoted; undefined when neither is. */
function gitLinePaths(rest: string): { left: string; right: string } | undefined {
  if (!rest.includes('"')) return undefined;
  let left: string;
  let tail: string;
  if (rest.startsWith('"')) {
    const quoted = unquoteC(rest, 0);
    if (!quoted || rest[quoted.end] !== ' ') return undefined;
    left = quoted.value;
    tail = rest.slice(quoted.end + 1);
  } else {
    // Only the second path is quoted: it starts at the last ` "`.
    const split = rest.lastIndexOf(' "');
    if (split === -1) return undefined;
    left = rest.slice(0, split);
    tail = rest.slice(split + 1);
  }
  const right = tail.startsWith('"') ? unquoteC(tail, 0) : { value: tail, end: tail.length };
  if (!right || right.end !== tail.length) return undefined;
  return { left, right: right.value };
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
  const rest = gitLine.slice('diff --git '.length);
  const quoted = gitLinePaths(rest);
  if (quoted) {
    const path = quoted.right.startsWith('b/') ? quoted.right.slice(2) : quoted.right;
    return { path, oldPath: undefined };
  }
  // Only the `diff --git a/X b/Y` line (a mode change, an empty or binary file): split it in the
  // middle when both halves are the same path, which is the case without a rename.
  const half = (rest.length - 1) / 2;
  const left = rest.slice(0, half);
  const right = rest.slice(half + 1);
  if (Number.isInteger(half) && left.startsWith('a/') && right.startsWith('b/') && left.slice(2) === right.slice(2)) {
    return { path: left.slice(2), oldPath: undefined };
  }
  return { path: rest.startsWith('a/') ? rest.slice(2) : rest, oldPath: undefined };
}
