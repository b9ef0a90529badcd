import { describe, expect, it } from 'vitest';
import { parsePatch } from '../src/index.js';

describe('parsePatch', () => {
  it('splits files and hunks with old and new line numbers', () => {
    const patch = [
      'diff --git a/src/app.js b/src/app.js',
      'index 1111111..2222222 100644',
      '--- a/src/app.js',
      '+++ b/src/app.js',
      '@@ -1,3 +1,3 @@ function main() {',
      ' const a = 1;',
      '-const b = 2;',
      '+const b = 3;',
      ' const c = 4;',
      '@@ -10,2 +10,3 @@',
      ' end();',
      '+more();',
      '\\ No newline at end of file',
      'diff --git a/new.txt b/new.txt',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/new.txt',
      '@@ -0,0 +1 @@',
      '+hello',
      '',
    ].join('\n');
    const files = parsePatch(patch);
    expect(files.map((file) => file.path)).toEqual(['src/app.js', 'new.txt']);
    const [app, added] = files;
    expect(app?.hunks).toHaveLength(2);
    expect(app?.hunks[0]?.lines).toEqual([
      { kind: 'context', text: 'const a = 1;', oldLine: 1, newLine: 1 },
      { kind: 'remove', text: 'const b = 2;', oldLine: 2 },
      { kind: 'add', text: 'const b = 3;', newLine: 2 },
      { kind: 'context', text: 'const c = 4;', oldLine: 3, newLine: 3 },
    ]);
    expect(app?.hunks[1]?.lines.at(-1)).toEqual({ kind: 'note', text: '\\ No newline at end of file' });
    expect(app?.lineCount).toBe(7);
    expect(added?.hunks[0]?.lines).toEqual([{ kind: 'add', text: 'hello', newLine: 1 }]);
  });

  it('takes paths from ---/+++ and rename lines, so spaces and "b/" inside names do not confuse it', () => {
    const patch = [
      'diff --git a/my b/file.txt b/my b/file.txt',
      '--- a/my b/file.txt\t',
      '+++ b/my b/file.txt\t',
      '@@ -1 +1 @@',
      '-x',
      '+y',
      'diff --git a/old name.css b/new name.css',
      'similarity index 100%',
      'rename from old name.css',
      'rename to new name.css',
      'diff --git a/gone.txt b/gone.txt',
      'deleted file mode 100644',
      '--- a/gone.txt',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-bye',
    ].join('\n');
    const files = parsePatch(patch);
    expect(files.map((file) => [file.path, file.oldPath])).toEqual([
      ['my b/file.txt', undefined],
      ['new name.css', 'old name.css'],
      ['gone.txt', undefined],
    ]);
  });

  it('flags binary files and keeps unknown lines as notes (a truncated patch never throws)', () => {
    const patch = [
      'diff --git a/logo.png b/logo.png',
      '--- a/logo.png',
      '+++ b/logo.png',
      'Binary files differ',
      'diff --git a/big.txt b/big.txt',
      '--- a/big.txt',
      '+++ b/big.txt',
      '@@ -1,1000 +1,1000 @@',
      '+line',
      '[file patch truncated]',
      'diff --git a/empty b/empty',
      'new file mode 100644',
    ].join('\n');
    const files = parsePatch(patch);
    expect(files[0]).toMatchObject({ path: 'logo.png', binary: true, hunks: [] });
    expect(files[1]?.hunks[0]?.lines).toEqual([
      { kind: 'add', text: 'line', newLine: 1 },
      { kind: 'note', text: '[file patch truncated]' },
    ]);
    expect(files[2]).toMatchObject({ path: 'empty', hunks: [] });
    expect(parsePatch('')).toEqual([]);
    expect(parsePatch('garbage\n@@ nonsense')).toEqual([]);
  });
  it('unquotes C-quoted paths in rename lines and in a bare diff --git line (binary, empty or mode-only files)', () => {
    const patch = [
      'diff --git "a/old \\"n\\303\\244me\\".txt" "b/new\\tn\\303\\244me.txt"',
      'similarity index 100%',
      'rename from "old \\"n\\303\\244me\\".txt"',
      'rename to "new\\tn\\303\\244me.txt"',
      'diff --git "a/caf\\303\\251.png" "b/caf\\303\\251.png"',
      'new file mode 100644',
      'index 0000000..1111111',
      'Binary files /dev/null and "b/caf\\303\\251.png" differ',
      'diff --git a/plain.txt "b/we\\\\ird.txt"',
      'similarity index 100%',
      '',
    ].join('\n');
    const files = parsePatch(patch);
    expect(files.map((file) => [file.path, file.oldPath, file.binary])).toEqual([
      ['new\tnäme.txt', 'old "näme".txt', false],
      ['café.png', undefined, true],
      ['we\\ird.txt', undefined, false],
    ]);
  });

  it('leaves a path that only looks quoted (unclosed quote, unknown escape) as written', () => {
    const patch = ['diff --git a/x b/x', '--- "a/x\\q"', '+++ "b/unclosed', '@@ -1 +1 @@', '-a', '+b', ''].join('\n');
    expect(parsePatch(patch)[0]?.path).toBe('"b/unclosed');
  });
});
