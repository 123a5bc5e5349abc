import type { UserUsage } from './rows.js';

const NONE = -1;
const NOT_ASCII = 0xff;
const INITIAL_USERS = 256;
const INITIAL_BYTES = 8 * 1024;

/**
 * The users of one instance, merged by email (the most activity wins), kept as bytes and numbers rather than an
 * object and a Map entry per user: every user has to be remembered until the report ends (a duplicate may come
 * last), and a 1M-row report held that way took ~190 MB of heap. Emails are found again through an
 * open-addressing hash table over their bytes, compared byte for byte, so no collision merges two people.
 * Iterating builds each user's object on the way, for the policy to keep only the inactive ones.
 */
export class UserTable implements Iterable<UserUsage> {
  private count = 0;
  /** Email i is emails[emailStart[i], emailStart[i + 1]), appended in order of first appearance. */
  private emails: Buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  private emailStart = new Int32Array(INITIAL_USERS + 1);
  private hashes = new Int32Array(INITIAL_USERS);
  private days = new Int32Array(INITIAL_USERS);
  /** Index into `dates`, NONE when absent: reports repeat a few hundred dates, so each is kept once. */
  private last = new Int32Array(INITIAL_USERS);
  private readonly dates: string[] = [];
  private readonly dateIndex = new Map<string, number>();
  /** Names are few bytes and often absent: an array of strings costs little more than bytes would. */
  private readonly names: Array<string | undefined> = [];
  /** Slots hold user index + 1 (0 = empty); kept at most half full. */
  private slots = new Int32Array(INITIAL_USERS * 2);

  get size(): number {
    return this.count;
  }

  add(user: UserUsage): void {
    // Validated emails are ASCII (ReportRowSchema's pattern): their chars are their bytes, read without encoding.
    // Anything else is kept exactly as UTF-16 behind a marker byte no ASCII key starts with.
    let key: string | Buffer = user.email;
    let hash = asciiHash(user.email);
    if (hash === undefined) {
      key = Buffer.concat([Buffer.of(NOT_ASCII), Buffer.from(user.email, 'utf16le')]);
      hash = hashKey(key);
    }
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    for (let held = this.slots[slot]!; held !== 0; slot = (slot + 1) & mask, held = this.slots[slot]!) {
      if (this.hashes[held - 1] === hash && this.holds(held - 1, key)) return this.merge(held - 1, user);
    }
    const i = this.count++;
    if (this.count === this.days.length) this.grow();
    const start = this.emailStart[i]!;
    this.emails = room(this.emails, start, key.length);
    if (typeof key === 'string') for (let j = 0; j < key.length; j++) this.emails[start + j] = key.charCodeAt(j);
    else key.copy(this.emails, start);
    this.emailStart[i + 1] = start + key.length;
    this.hashes[i] = hash;
    this.days[i] = user.daysActive ?? NONE;
    this.last[i] = user.lastActive === undefined ? NONE : this.dateId(user.lastActive);
    this.names[i] = user.name;
    // The slot found above is still free unless the table just grew.
    this.slots[this.slots.length - 1 === mask ? slot : this.freeSlot(hash)] = i + 1;
  }

  *[Symbol.iterator](): Iterator<UserUsage> {
    for (let i = 0; i < this.count; i++) {
      const start = this.emailStart[i]!;
      const end = this.emailStart[i + 1];
      const user: UserUsage = { email: this.emails[start] === NOT_ASCII ? this.emails.toString('utf16le', start + 1, end) : this.emails.toString('latin1', start, end) };
      if (this.names[i] !== undefined) user.name = this.names[i];
      if (this.days[i] !== NONE) user.daysActive = this.days[i];
      if (this.last[i] !== NONE) user.lastActive = this.dates[this.last[i]!];
      yield user;
    }
  }

  private holds(i: number, key: string | Buffer): boolean {
    const start = this.emailStart[i]!;
    if (this.emailStart[i + 1]! - start !== key.length) return false;
    for (let j = 0; j < key.length; j++) if (this.emails[start + j] !== (typeof key === 'string' ? key.charCodeAt(j) : key[j])) return false;
    return true;
  }

  // Duplicates within one instance: the most activity wins, so nobody is certified on a partial row.
  private merge(i: number, user: UserUsage): void {
    if (user.daysActive !== undefined) this.days[i] = Math.max(this.days[i] === NONE ? 0 : this.days[i]!, user.daysActive);
    if (user.lastActive !== undefined && (this.last[i] === NONE || user.lastActive > this.dates[this.last[i]!]!)) this.last[i] = this.dateId(user.lastActive);
    this.names[i] ??= user.name;
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
    const size = this.days.length * 2;
    this.emailStart = resized(this.emailStart, size + 1);
    this.hashes = resized(this.hashes, size);
    this.days = resized(this.days, size);
    this.last = resized(this.last, size);
    this.slots = new Int32Array(size * 2);
    for (let i = 0; i < this.count - 1; i++) this.slots[this.freeSlot(this.hashes[i]!)] = i + 1;
  }
}

/** FNV-1a over the key's bytes. */
function hashKey(key: Buffer): number {
  let hash = 0x811c9dc5;
  for (let j = 0; j < key.length; j++) hash = Math.imul(hash ^ key[j]!, 0x01000193);
  return hash;
}

/** hashKey of an ASCII string's bytes (its chars), undefined when it is not ASCII. */
function asciiHash(text: string): number | undefined {
  let hash = 0x811c9dc5;
  for (let j = 0; j < text.length; j++) {
    const code = text.charCodeAt(j);
    if (code > 0x7f) return undefined;
    hash = Math.imul(hash ^ code, 0x01000193);
  }
  return hash;
}

function room(bytes: Buffer, used: number, needed: number): Buffer {
  if (used + needed <= bytes.length) return bytes;
  const bigger = Buffer.allocUnsafe(Math.max(bytes.length * 2, used + needed));
  bytes.copy(bigger, 0, 0, used);
  return bigger;
}

function resized(array: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(size);
  bigger.set(array.subarray(0, Math.min(array.length, size)));
  return bigger;
}
