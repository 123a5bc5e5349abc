import type { UserUsage } from './rows.js';

const NONE = -1;
const INITIAL_USERS = 256;
/** Per user, in `fields`: email text, name text (NONE when absent), days active and last-active date id (NONE when absent). */
const STRIDE = 4;
const EMAIL = 0;
const NAME = 1;
const DAYS = 2;
const LAST = 3;
const CHUNK_BITS = 18;
const CHUNK_BYTES = 1 << CHUNK_BITS;
/** Longer than any valid email or name (254 / 512), so a text always fits one chunk with its length byte pair. */
const MAX_TEXT = 16_384;

/**
 * The users of one instance, merged by email (the most activity wins), held as numbers and bytes rather than an
 * object and two strings per user: every user has to be remembered until the report ends (a duplicate may come
 * last), and a 1M-row report held as objects in a Map took ~190 MB of heap, as strings in arrays ~110 MB. Here a
 * user costs 16 bytes of fields, 4 of email hash and its email and name as ASCII bytes (with a 2-byte length) in
 * 256 KiB chunks (no copy as they fill); the rare text with other characters is kept as a string, so every text
 * reads back exactly. Values are read by index (`email(i)` …), building strings only for the users a caller asks
 * about.
 *
 * Duplicates are found once, before the first read, not on every add: rows are appended with their email hash,
 * and a bit per hash bucket shows which few users may share an email. A hash-table probe per row was a third of
 * the table's time at 100k rows (a cache miss per row, measured); appending is sequential. Emails are compared as
 * text, so no hash collision merges two people, and colliding hashes cost a Map look-up, never a longer probe.
 */
export class UserTable implements Iterable<UserUsage> {
  /**
   * One empty table for the life of the process. V8 keeps a class's instance layout (its map) only while an
   * instance lives, and a full GC that finds none discards the optimized code built on that layout: the next
   * report then ran unoptimized until the JIT caught up again, 10–16 % of a 100k-row ingest (bench/ingest;
   * `node --trace-deopt` names the cause "weak objects"). A static, because a module's unexported constant is
   * let go once the module has run.
   */
  static readonly resident = new UserTable();

  private count = 0;
  private fields = new Int32Array(INITIAL_USERS * STRIDE);
  /** Each user's email hash, by user index. */
  private hashes = new Int32Array(INITIAL_USERS);
  /** Whether users were added since duplicates were last merged. */
  private unmerged = false;
  private readonly chunks: Buffer[] = [];
  private used = CHUNK_BYTES;
  /** The hash of the text `store` kept last. */
  private storedHash = 0;
  /** Texts that are not plain ASCII, referred to by -(index + 2) (NONE is -1). */
  private readonly others: string[] = [];
  /** Reports repeat a few hundred dates, so each is kept once. */
  private readonly dates: string[] = [];
  /** Each date's size as a JSON string, for jsonBytes. */
  private readonly dateBytes: number[] = [];
  private readonly dateIndex = new Map<string, number>();

  /** The number of distinct users (duplicates merged). */
  get size(): number {
    this.mergeDuplicates();
    return this.count;
  }

  add(email: string, name: string | undefined, daysActive: number | undefined, lastActive: string | undefined): void {
    const i = this.count++;
    const at = i * STRIDE;
    this.fields[at + EMAIL] = this.store(email);
    this.hashes[i] = this.storedHash;
    this.fields[at + NAME] = name === undefined ? NONE : this.store(name);
    this.fields[at + DAYS] = daysActive ?? NONE;
    this.fields[at + LAST] = lastActive === undefined ? NONE : this.dateId(lastActive);
    this.unmerged = true;
    if (this.count === this.hashes.length) this.grow();
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

  /**
   * The exact UTF-8 size of JSON.stringify(this.user(i)), read from the stored bytes: batches are sized by every
   * inactive user's JSON, and building each user's strings only to measure them was most of planning's time.
   */
  jsonBytes(i: number): number {
    const at = i * STRIDE;
    let size = 1 + 8 + this.textJsonBytes(this.fields[at + EMAIL]!) + 1; // {"email":…}
    const name = this.fields[at + NAME]!;
    if (name !== NONE) size += 8 + this.textJsonBytes(name); // ,"name":…
    const days = this.fields[at + DAYS]!;
    if (days !== NONE) size += 14 + String(days).length; // ,"daysActive":…
    const last = this.fields[at + LAST]!;
    if (last !== NONE) size += 14 + this.dateBytes[last]!; // ,"lastActive":…
    return size;
  }

  *[Symbol.iterator](): Iterator<UserUsage> {
    for (let i = 0; i < this.size; i++) yield this.user(i);
  }

  /**
   * Merge every later row of an email into its first, in row order, and close the gaps: users keep the order of
   * their first appearance. Only users whose hash is shared can be duplicates, and there are few of those.
   */
  private mergeDuplicates(): void {
    if (!this.unmerged) return;
    this.unmerged = false;
    const shared = sharedBuckets(this.hashes, this.count);
    if (!shared) return;
    const firstOf = new Map<string, number>();
    let kept = 0;
    for (let i = 0; i < this.count; i++) {
      if (shared.has(this.hashes[i]!)) {
        const email = this.email(i);
        const first = firstOf.get(email);
        if (first !== undefined) {
          this.merge(first, i);
          continue;
        }
        firstOf.set(email, kept);
      }
      if (kept !== i) this.move(i, kept);
      kept++;
    }
    this.count = kept;
  }

  // Duplicates within one instance: the most activity wins, so nobody is certified on a partial row.
  private merge(into: number, from: number): void {
    const at = into * STRIDE;
    const other = from * STRIDE;
    const days = this.fields[other + DAYS]!;
    if (days !== NONE) this.fields[at + DAYS] = Math.max(this.fields[at + DAYS] === NONE ? 0 : this.fields[at + DAYS]!, days);
    const last = this.fields[other + LAST]!;
    if (last !== NONE && (this.fields[at + LAST] === NONE || this.dates[last]! > this.dates[this.fields[at + LAST]!]!)) this.fields[at + LAST] = last;
    if (this.fields[at + NAME] === NONE) this.fields[at + NAME] = this.fields[other + NAME]!;
  }

  private move(from: number, to: number): void {
    for (let k = 0; k < STRIDE; k++) this.fields[to * STRIDE + k] = this.fields[from * STRIDE + k]!;
    this.hashes[to] = this.hashes[from]!;
  }

  /**
   * Store a text: its position (chunk, offset) or, when not plain ASCII, its place among `others`. One pass over
   * the characters copies them and takes their FNV-1a hash (kept in `storedHash`).
   */
  private store(text: string): number {
    const length = text.length;
    if (length > MAX_TEXT) throw new RangeError(`UserTable keeps texts up to ${MAX_TEXT} characters`);
    if (this.used + 2 + length > CHUNK_BYTES) {
      this.chunks.push(Buffer.allocUnsafe(CHUNK_BYTES));
      this.used = 0;
    }
    const chunk = this.chunks[this.chunks.length - 1]!;
    const start = this.used;
    let hash = 0x811c9dc5;
    let bits = 0;
    for (let j = 0; j < length; j++) {
      const code = text.charCodeAt(j);
      hash = Math.imul(hash ^ code, 0x01000193);
      bits |= code;
      chunk[start + 2 + j] = code;
    }
    this.storedHash = hash;
    // The copy counts only when it is the text: other characters keep the string itself.
    if (bits > 0x7f) return -(this.others.push(text) + 1);
    chunk[start] = length & 0xff;
    chunk[start + 1] = length >>> 8;
    this.used = start + 2 + length;
    return ((this.chunks.length - 1) << CHUNK_BITS) | start;
  }

  private text(at: number): string {
    if (at < NONE) return this.others[-at - 2]!;
    const chunk = this.chunks[at >>> CHUNK_BITS]!;
    const offset = at & (CHUNK_BYTES - 1);
    return chunk.toString('latin1', offset + 2, offset + 2 + (chunk[offset]! | (chunk[offset + 1]! << 8)));
  }

  /** A stored text's size as a JSON string: its ASCII bytes and quotes, unless a byte needs escaping. */
  private textJsonBytes(at: number): number {
    if (at < NONE) return jsonStringBytes(this.others[-at - 2]!);
    const chunk = this.chunks[at >>> CHUNK_BITS]!;
    const offset = at & (CHUNK_BYTES - 1);
    const end = offset + 2 + (chunk[offset]! | (chunk[offset + 1]! << 8));
    for (let j = offset + 2; j < end; j++) {
      const byte = chunk[j]!;
      if (byte < 0x20 || byte === 0x22 || byte === 0x5c) return jsonStringBytes(this.text(at));
    }
    return end - offset;
  }

  private dateId(date: string): number {
    let id = this.dateIndex.get(date);
    if (id === undefined) {
      id = this.dates.push(date) - 1;
      this.dateBytes.push(jsonStringBytes(date));
      this.dateIndex.set(date, id);
    }
    return id;
  }

  /** Twice the room for users. */
  private grow(): void {
    const fields = new Int32Array(this.fields.length * 2);
    fields.set(this.fields);
    this.fields = fields;
    const hashes = new Int32Array(this.hashes.length * 2);
    hashes.set(this.hashes);
    this.hashes = hashes;
  }
}

/**
 * The buckets (of about 16 per user) that two or more of the first `count` hashes fall in, as a test on a hash,
 * or undefined when every hash has a bucket to itself. Two passes over the hashes with a bit each per bucket:
 * sorting them instead was a fifth of planning's time at 100k rows (bench/ingest). About 6 % of users share a
 * bucket by chance and are compared as text.
 */
function sharedBuckets(hashes: Int32Array, count: number): { has(hash: number): boolean } | undefined {
  const mask = (1 << Math.max(10, Math.ceil(Math.log2(count * 16)))) - 1;
  const bucket = (hash: number) => (hash ^ (hash >>> 15)) & mask;
  const seen = new Uint8Array((mask >>> 3) + 1);
  const twice = new Uint8Array((mask >>> 3) + 1);
  let any = false;
  for (let i = 0; i < count; i++) {
    const b = bucket(hashes[i]!);
    const bit = 1 << (b & 7);
    if (seen[b >>> 3]! & bit) {
      twice[b >>> 3]! |= bit;
      any = true;
    } else seen[b >>> 3]! |= bit;
  }
  if (!any) return undefined;
  return {
    has: (hash) => {
      const b = bucket(hash);
      return (twice[b >>> 3]! & (1 << (b & 7))) !== 0;
    },
  };
}

function jsonStringBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8');
}

