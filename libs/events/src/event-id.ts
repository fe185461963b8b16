/**
 * Event ids are UUIDv7 (RFC 9562): a millisecond timestamp, then a counter, then random bits.
 * Facts of one report share their occurredAt, and a case's state breaks such ties by event id,
 * so ids that grow in the order they are made make the report's own order (a detention, then
 * what is known about access to the detained person) the order its facts apply in. Ids made
 * in the same millisecond by one process still grow: the 12-bit counter counts them, and when
 * it runs out the timestamp moves on by one millisecond.
 */
let lastMs = 0;
let counter = 0;

export function newEventId(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    // A random start leaves room to count up while keeping ids of different processes apart.
    counter = randomBits(12) & 0x3ff;
  } else if (counter < 0xfff) {
    counter += 1;
  } else {
    lastMs += 1;
    counter = 0;
  }
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let ms = lastMs;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function randomBits(bits: number): number {
  const word = new Uint32Array(1);
  globalThis.crypto.getRandomValues(word);
  return (word[0] ?? 0) >>> (32 - bits);
}
