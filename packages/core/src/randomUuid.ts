// Each getRandomValues call costs about 7 µs whatever its size up to several kilobytes: fill many.
const BATCH = 256;
const UUID_LENGTH = 36;
const random = new Uint8Array(BATCH * 16);
const text = new Uint8Array(BATCH * UUID_LENGTH);
const latin1 = new TextDecoder('latin1');
// ASCII codes of the two hex digits of every byte value.
const HIGH = new Uint8Array(256);
const LOW = new Uint8Array(256);
for (let value = 0; value < 256; value += 1) {
  const hex = value.toString(16).padStart(2, '0');
  HIGH[value] = hex.charCodeAt(0);
  LOW[value] = hex.charCodeAt(1);
}
// Where each of the 16 bytes goes in `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`.
const OFFSETS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

let batch = '';
let next = BATCH;

/**
 * A random version-4 UUID, from `crypto.getRandomValues` like `crypto.randomUUID()`.
 *
 * Ids are kept as long as the rows they name. `crypto.randomUUID()` returns a string V8 stores as a
 * tree of 20 concatenated pieces (about 460 bytes until something flattens it); this writes 256
 * UUIDs at a time into one flat string and hands out slices of it, about 70 bytes each.
 */
export function randomUuid(): string {
  if (next === BATCH) refill();
  const start = next * UUID_LENGTH;
  next += 1;
  return batch.slice(start, start + UUID_LENGTH);
}

function refill(): void {
  crypto.getRandomValues(random);
  for (let index = 0; index < BATCH; index += 1) {
    const from = index * 16;
    const to = index * UUID_LENGTH;
    // Version 4 in the high nibble of byte 6, variant 10xx in byte 8 (RFC 9562).
    random[from + 6] = ((random[from + 6] as number) & 0x0f) | 0x40;
    random[from + 8] = ((random[from + 8] as number) & 0x3f) | 0x80;
    for (let byte = 0; byte < 16; byte += 1) {
      const value = random[from + byte] as number;
      const at = to + (OFFSETS[byte] as number);
      text[at] = HIGH[value] as number;
      text[at + 1] = LOW[value] as number;
    }
    text[to + 8] = 45;
    text[to + 13] = 45;
    text[to + 18] = 45;
    text[to + 23] = 45;
  }
  batch = latin1.decode(text);
  next = 0;
}
