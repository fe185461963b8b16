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

// Random bytes are drawn from the platform's CSPRNG a few kilobytes at a time: one call per id
// costs more than everything else an id needs. Each byte is handed out once.
const pool = new Uint8Array(4096);
let poolOffset = pool.length;
function randomBytes(n: number): Uint8Array {
  if (poolOffset + n > pool.length) {
    globalThis.crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  const bytes = pool.slice(poolOffset, poolOffset + n);
  poolOffset += n;
  return bytes;
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

export function newEventId(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    // A random start leaves room to count up while keeping ids of different processes apart.
    const [high = 0, low = 0] = randomBytes(2);
    counter = ((high << 8) | low) & 0x3ff;
  } else if (counter < 0xfff) {
    counter += 1;
  } else {
    lastMs += 1;
    counter = 0;
  }
  const bytes = randomBytes(16);
  let ms = lastMs;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  let hex = '';
  for (let i = 0; i < 16; i++) {
    hex += HEX[bytes[i] ?? 0];
    if (i === 3 || i === 5 || i === 7 || i === 9) hex += '-';
  }
  return hex;
}
