import type { UserUsage } from './rows.js';

const NONE = -1;
const INITIAL_USERS = 256;
/** Per user, in `fields`: hash, email text, name text (NONE when absent), days active and last-active date id (NONE when absent). */
const STRIDE = 5;
const HASH = 0;
const EMAIL = 1;
const NAME = 2;
const DAYS = 3;
const LAST = 4;
const CHUNK_BITS = 18;
const CHUNK_BYTES = 1 << CHUNK_BITS;
/** Longer than any valid email or name (254 / 512), so a text always fits one chunk with its length byte pair. */
const MAX_TEXT = 16_384;

/**
 * The users of one instance, merged by email (the most activity wins), held as numbers and bytes rather than an
 * object and two strings per user: every user has to be remembered until the report ends (a duplicate may come
 * last), and a 1M-row report held as objects in a Map took ~190 MB of heap, as strings in arrays ~110 MB. Here a
 * user costs 20 bytes of fields, 8 of hash slots and its email and name as ASCII bytes (with a 2-byte length) in
 * 256 KiB chunks (no copy as they fill); the rare text with other characters is kept as a string, so every text
 * reads back exactly. Emails are compared as text, so no hash collision merges two people. Values are read by
 * index (`email(i)` …), building strings only for the users a caller asks about.
 */
export class UserTable implements Iterable<UserUsage> {
  private count = 0;
  private fields = new Int32Array(INITIAL_USERS * STRIDE);
  /** Slots hold user index + 1 (0 = empty); kept at most half full. */
  private slots = new Int32Array(INITIAL_USERS * 2);
  private readonly chunks: Buffer[] = [];
  private used = CHUNK_BYTES;
  /** Texts that are not plain ASCII, referred to by -(index + 2) (NONE is -1). */
  private readonly others: string[] = [];
  /** Reports repeat a few hundred dates, so each is kept once. */
  private readonly dates: string[] = [];
  private readonly dateIndex = new Map<string, number>();

  get size(): number {
    return this.count;
  }

  add(email: string, name: string | undefined, daysActive: number | undefined, lastActive: string | undefined): void {
    const hash = stringHash(email);
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    for (let held = this.slots[slot]!; held !== 0; slot = (slot + 1) & mask, held = this.slots[slot]!) {
      if (this.fields[(held - 1) * STRIDE + HASH] === hash && this.email(held - 1) === email) return this.merge(held - 1, name, daysActive, lastActive);
    }
    const i = this.count++;
    if (this.count * STRIDE === this.fields.length) this.grow();
    const at = i * STRIDE;
    this.fields[at + HASH] = hash;
    this.fields[at + EMAIL] = this.put(email);
    this.fields[at + NAME] = name === undefined ? NONE : this.put(name);
    this.fields[at + DAYS] = daysActive ?? NONE;
    this.fields[at + LAST] = lastActive === undefined ? NONE : this.dateId(lastActive);
    // The slot found above is still free unless the table just grew.
    this.slots[this.slots.length - 1 === mask ? slot : this.freeSlot(hash)] = i + 1;
  }

  email(i: number): string {
    return this.text(this.fields[i * STRIDE + EMAIL]!);
  }

  name(i: number): string | undefined {
    const at = this.fields[i * STRIDE + NAME]!;
    return at === NONE ? undefined : this.text(at);
  }

  daysActive(i: number): number | undefined {
    const days = this.fields[i * STRIDE + DAYS]!;
    return days === NONE ? undefined : days;
  }

  lastActive(i: number): string | undefined {
    const id = this.fields[i * STRIDE + LAST]!;
    return id === NONE ? undefined : this.dates[id];
  }

  /** User i as an object (fields absent stay absent). */
  user(i: number): UserUsage {
    const user: UserUsage = { email: this.email(i) };
    const name = this.name(i);
    if (name !== undefined) user.name = name;
    const days = this.daysActive(i);
    if (days !== undefined) user.daysActive = days;
    const last = this.lastActive(i);
    if (last !== undefined) user.lastActive = last;
    return user;
  }

  *[Symbol.iterator](): Iterator<UserUsage> {
    for (let i = 0; i < this.count; i++) yield this.user(i);
  }

  // Duplicates within one instance: the most activity wins, so nobody is certified on a partial row.
  private merge(i: number, name: string | undefined, daysActive: number | undefined, lastActive: string | undefined): void {
    const at = i * STRIDE;
    if (daysActive !== undefined) this.fields[at + DAYS] = Math.max(this.fields[at + DAYS] === NONE ? 0 : this.fields[at + DAYS]!, daysActive);
    if (lastActive !== undefined && (this.fields[at + LAST] === NONE || lastActive > this.dates[this.fields[at + LAST]!]!)) this.fields[at + LAST] = this.dateId(lastActive);
    if (name !== undefined && this.fields[at + NAME] === NONE) this.fields[at + NAME] = this.put(name);
  }

  /** Store a text: its position (chunk, offset) or, when not plain ASCII, its place among `others`. */
  private put(text: string): number {
    if (text.length > MAX_TEXT) throw new RangeError(`UserTable keeps texts up to ${MAX_TEXT} characters`);
    if (this.used + 2 + text.length > CHUNK_BYTES) {
      this.chunks.push(Buffer.allocUnsafe(CHUNK_BYTES));
      this.used = 0;
    }
    const chunk = this.chunks[this.chunks.length - 1]!;
    const start = this.used + 2;
    for (let j = 0; j < text.length; j++) {
      const code = text.charCodeAt(j);
      if (code > 0x7f) return -(this.others.push(text) + 1);
      chunk[start + j] = code;
    }
    chunk[start - 2] = text.length & 0xff;
    chunk[start - 1] = text.length >>> 8;
    this.used = start + text.length;
    return ((this.chunks.length - 1) << CHUNK_BITS) | (start - 2);
  }

  private text(at: number): string {
    if (at < NONE) return this.others[-at - 2]!;
    const chunk = this.chunks[at >>> CHUNK_BITS]!;
    const offset = at & (CHUNK_BYTES - 1);
    return chunk.toString('latin1', offset + 2, offset + 2 + (chunk[offset]! | (chunk[offset + 1]! << 8)));
  }

  private dateId(date: string): number {
    let id = this.dateIndex.get(date);
    if (id === undefined) {
      id = this.dates.push(date) - 1;
      this.dateIndex.set(date, id);
    }
    return id;
  }

  private freeSlot(hash: number): number {
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    return slot;
  }

  private grow(): void {
    const bigger = new Int32Array(this.fields.length * 2);
    bigger.set(this.fields);
    this.fields = bigger;
    this.slots = new Int32Array((bigger.length / STRIDE) * 2);
    for (let i = 0; i < this.count - 1; i++) this.slots[this.freeSlot(this.fields[i * STRIDE + HASH]!)] = i + 1;
  }
}

/** FNV-1a over the UTF-16 code units. */
function stringHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let j = 0; j < text.length; j++) hash = Math.imul(hash ^ text.charCodeAt(j), 0x01000193);
  return hash;
}
