/**
 * True when `name` is a branch name git accepts (`git check-ref-format --branch` rules) and that
 * cannot be mistaken for a command-line option: no leading `-`, no `..`, no `@{`, no control
 * characters, space, `~ ^ : ? * [ \`, no empty or dot-leading components, no `.lock` suffix.
 * Adapters call it on every branch they pass to git.
 */
export function isValidBranchName(name: string): boolean {
  if (typeof name !== 'string' || name.length === 0 || name.length > 255) return false;
  if (name.startsWith('-') || name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) return false;
  if (name === '@' || name === 'HEAD' || name.includes('..') || name.includes('@{') || name.includes('//')) return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what git refuses
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(name)) return false;
  // Components are non-empty by the checks above; none may start with `.` or end with `.lock`.
  return !/(?:^|\/)\./.test(name) && !/\.lock(?:\/|$)/.test(name);
}
