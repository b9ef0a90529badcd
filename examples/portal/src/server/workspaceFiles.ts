import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Largest file the browser editor may save, in bytes. */
export const MAX_WRITE_BYTES = 256 * 1024;
/** Largest file the browser editor opens, in bytes. */
export const MAX_READ_BYTES = 1024 * 1024;
/** Most files listed for one workspace. */
export const MAX_LISTED_FILES = 2_000;
const MAX_PATH_CHARS = 512;
const MAX_DEPTH = 12;
const SKIPPED_DIRS = new Set(['.git', 'node_modules']);

/** Why a file operation was refused; `status` is the HTTP status the portal answers with. */
export class WorkspaceFileError extends Error {
  readonly code: 'invalid_path' | 'not_found' | 'too_large' | 'not_a_file';
  readonly status: number;
  constructor(code: WorkspaceFileError['code'], message: string) {
    super(message);
    this.name = 'WorkspaceFileError';
    this.code = code;
    this.status = { invalid_path: 400, not_found: 404, too_large: 413, not_a_file: 409 }[code];
  }
}

/** A file as listed in the workspace page. */
export type WorkspaceFileEntry = { path: string; size: number };

/** A file opened in the editor. `binary` files are listed but not shown. */
export type WorkspaceFileContent = { path: string; size: number; binary: boolean; content: string };

/**
 * Splits a browser-supplied relative path (`/`-separated) into segments, refusing anything that
 * could leave the workspace or touch git's own files: absolute paths, `.`/`..`, empty segments,
 * backslashes, control characters, and any `.git` segment (writing `.git/hooks/*` or `.git/config`
 * would let the browser run code on the server on the next git command).
 */
export function parseWorkspacePath(path: unknown): string[] {
  if (typeof path !== 'string' || path.length === 0) throw new WorkspaceFileError('invalid_path', 'A file path is required.');
  if (path.length > MAX_PATH_CHARS) throw new WorkspaceFileError('invalid_path', `File paths are at most ${MAX_PATH_CHARS} characters.`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f\\]/.test(path))
    throw new WorkspaceFileError('invalid_path', 'File paths cannot contain control characters or backslashes.');
  if (path.startsWith('/')) throw new WorkspaceFileError('invalid_path', 'File paths are relative to the workspace.');
  const segments = path.split('/');
  if (segments.length > MAX_DEPTH) throw new WorkspaceFileError('invalid_path', 'That file is nested too deeply.');
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new WorkspaceFileError('invalid_path', 'File paths cannot contain empty, "." or ".." parts.');
    }
    if (segment.toLowerCase() === '.git') throw new WorkspaceFileError('invalid_path', "The workspace's .git folder is not editable here.");
  }
  return segments;
}

/**
 * Resolves `segments` inside `root`, refusing symbolic links on the way: a link in the workspace
 * (which the builder controls from a terminal) must not lead the server to files outside it.
 */
async function resolveInside(root: string, segments: readonly string[], options: { createParents: boolean }): Promise<string> {
  let current = await realpath(root);
  for (const [index, segment] of segments.entries()) {
    const next = join(current, segment);
    const last = index === segments.length - 1;
    const stats = await lstat(next).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (stats?.isSymbolicLink())
      throw new WorkspaceFileError('not_a_file', `${segments.slice(0, index + 1).join('/')} is a symbolic link.`);
    if (!last) {
      if (stats && !stats.isDirectory())
        throw new WorkspaceFileError('not_a_file', `${segments.slice(0, index + 1).join('/')} is not a folder.`);
      if (!stats) {
        if (!options.createParents) throw new WorkspaceFileError('not_found', 'No such file.');
        await mkdir(next);
      }
    } else if (stats && !stats.isFile()) {
      throw new WorkspaceFileError('not_a_file', `${segments.join('/')} is not a regular file.`);
    }
    current = next;
  }
  return current;
}

/** Lists the regular files of a workspace (not `.git`, not `node_modules`, no symbolic links), sorted by path. */
export async function listWorkspaceFiles(root: string): Promise<{ files: WorkspaceFileEntry[]; truncated: boolean }> {
  const files: WorkspaceFileEntry[] = [];
  let truncated = false;
  async function walk(dir: string, prefix: string, depth: number): Promise<void> {
    if (depth > MAX_DEPTH) return;
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (files.length >= MAX_LISTED_FILES) {
        truncated = true;
        return;
      }
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name.toLowerCase())) await walk(join(dir, entry.name), path, depth + 1);
      } else if (entry.isFile()) {
        const stats = await lstat(join(dir, entry.name));
        files.push({ path, size: stats.size });
      }
    }
  }
  await walk(await realpath(root), '', 1);
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, truncated };
}

/** Reads one file for the editor. Files over {@link MAX_READ_BYTES} are refused; binary files come back without content. */
export async function readWorkspaceFile(root: string, path: unknown): Promise<WorkspaceFileContent> {
  const segments = parseWorkspacePath(path);
  const target = await resolveInside(root, segments, { createParents: false });
  const handle = await open(target, constants.O_RDONLY | constants.O_NOFOLLOW).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new WorkspaceFileError('not_found', 'No such file.');
    throw error;
  });
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new WorkspaceFileError('not_a_file', 'Not a regular file.');
    if (stats.size > MAX_READ_BYTES)
      throw new WorkspaceFileError('too_large', `Files over ${MAX_READ_BYTES} bytes are not opened in the browser.`);
    const bytes = await handle.readFile();
    const binary = bytes.subarray(0, 8000).includes(0);
    return { path: segments.join('/'), size: bytes.length, binary, content: binary ? '' : bytes.toString('utf8') };
  } finally {
    await handle.close();
  }
}

/** Creates or replaces a text file (at most {@link MAX_WRITE_BYTES}), creating missing folders. */
export async function writeWorkspaceFile(root: string, path: unknown, content: unknown): Promise<WorkspaceFileEntry> {
  const segments = parseWorkspacePath(path);
  if (typeof content !== 'string') throw new WorkspaceFileError('invalid_path', 'The file content must be text.');
  const bytes = Buffer.from(content, 'utf8');
  if (bytes.length > MAX_WRITE_BYTES)
    throw new WorkspaceFileError('too_large', `Files saved from the browser are at most ${MAX_WRITE_BYTES} bytes.`);
  const target = await resolveInside(root, segments, { createParents: true });
  // O_NOFOLLOW: a link swapped in after the check above still is not followed.
  const handle = await open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
  try {
    await handle.writeFile(bytes);
  } finally {
    await handle.close();
  }
  return { path: segments.join('/'), size: bytes.length };
}

/** Deletes one file of the workspace. */
export async function deleteWorkspaceFile(root: string, path: unknown): Promise<void> {
  const segments = parseWorkspacePath(path);
  const target = await resolveInside(root, segments, { createParents: false });
  await unlink(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new WorkspaceFileError('not_found', 'No such file.');
    throw error;
  });
}
