let _sink = 0;

/**
 * Returns `text` as one flat string. V8 keeps a concatenation (a template literal, the result of
 * `crypto.randomUUID()`) as a tree of pieces of about 30 bytes each until something reads it; an
 * id or field stored for the life of the process would keep that whole tree, which costs memory
 * and garbage-collection time. Reading a character makes V8 flatten the string in place.
 */
export function flatString(text: string): string {
  // Written to module state so the optimiser cannot drop the read as unused.
  _sink ^= text.charCodeAt(0);
  return text;
}
