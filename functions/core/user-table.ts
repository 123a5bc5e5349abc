import type { UserUsage } from './rows.js';

const NONE = -1;
const INITIAL_USERS = 256;
const INITIAL_BYTES = 8 * 1024;

/**
 * The users of one instance, merged by email (the most activity wins), kept as UTF-8 bytes and numbers rather
 * than an object, a string and a Map entry per user: every user has to be remembered until the report ends (a
 * duplicate may come last), and a 1M-row report held that way took ~190 MB of heap; this takes ~60 MB.
 * Emails are found again through an open-addressing hash table over their bytes, so nothing is lost to hash
 * collisions. Iterating builds each user's object on the way, for the policy to keep only the inactive ones.
 */
export class UserTable implements Iterable<UserUsage> {
  private count = 0;
  /**
   * Email i is emails[emailStart[i], emailStart[i + 1]), appended in order of first appearance. UTF-8 is exact
   * for them (validated emails are ASCII); names may hold any UTF-16 (even a lone surrogate), so they are kept as that.
   */
  private emails: Buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  private emailStart = new Int32Array(INITIAL_USERS + 1);
  private names: Buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  private namesUsed = 0;
  private nameStart = new Int32Array(INITIAL_USERS);
  private nameEnd = new Int32Array(INITIAL_USERS);
  private days = new Int32Array(INITIAL_USERS);
  /** Index into `dates`, NONE when absent: reports repeat a few hundred dates, so each is kept once. */
  private last = new Int32Array(INITIAL_USERS);
  private readonly dates: string[] = [];
  private readonly dateIndex = new Map<string, number>();
  /** Slots hold user index + 1 (0 = empty); kept at most half full. */
  private slots = new Int32Array(INITIAL_USERS * 2);

  get size(): number {
    return this.count;
  }

  add(user: UserUsage): void {
    const start = this.emailStart[this.count]!;
    this.emails = room(this.emails, start, user.email.length * 3);
    const end = start + this.emails.write(user.email, start);
    const mask = this.slots.length - 1;
    let slot = hashBytes(this.emails, start, end) & mask;
    for (let held = this.slots[slot]!; held !== 0; slot = (slot + 1) & mask, held = this.slots[slot]!) {
      const i = held - 1;
      if (this.emails.compare(this.emails, start, end, this.emailStart[i]!, this.emailStart[i + 1]!) === 0) return this.merge(i, user);
    }
    const i = this.count++;
    if (this.count === this.days.length) this.grow();
    this.emailStart[this.count] = end;
    this.days[i] = user.daysActive ?? NONE;
    this.last[i] = user.lastActive === undefined ? NONE : this.dateId(user.lastActive);
    this.nameStart[i] = NONE;
    if (user.name !== undefined) this.setName(i, user.name);
    // The slot found above is still the right one unless the table just grew (grow rehashes, then look again).
    if (this.slots.length - 1 !== mask) slot = this.freeSlot(start, end);
    this.slots[slot] = i + 1;
  }

  *[Symbol.iterator](): Iterator<UserUsage> {
    for (let i = 0; i < this.count; i++) {
      const user: UserUsage = { email: this.emails.toString('utf8', this.emailStart[i], this.emailStart[i + 1]) };
      if (this.nameStart[i] !== NONE) user.name = this.names.toString('utf16le', this.nameStart[i], this.nameEnd[i]);
      if (this.days[i] !== NONE) user.daysActive = this.days[i];
      if (this.last[i] !== NONE) user.lastActive = this.dates[this.last[i]!];
      yield user;
    }
  }

  // Duplicates within one instance: the most activity wins, so nobody is certified on a partial row.
  private merge(i: number, user: UserUsage): void {
    if (user.daysActive !== undefined) this.days[i] = Math.max(this.days[i] === NONE ? 0 : this.days[i]!, user.daysActive);
    if (user.lastActive !== undefined && (this.last[i] === NONE || user.lastActive > this.dates[this.last[i]!]!)) this.last[i] = this.dateId(user.lastActive);
    if (this.nameStart[i] === NONE && user.name !== undefined) this.setName(i, user.name);
  }

  private setName(i: number, name: string): void {
    this.names = room(this.names, this.namesUsed, name.length * 2);
    this.nameStart[i] = this.namesUsed;
    this.namesUsed += this.names.write(name, this.namesUsed, 'utf16le');
    this.nameEnd[i] = this.namesUsed;
  }

  private dateId(date: string): number {
    let id = this.dateIndex.get(date);
    if (id === undefined) {
      id = this.dates.push(date) - 1;
      this.dateIndex.set(date, id);
    }
    return id;
  }

  private freeSlot(start: number, end: number): number {
    const mask = this.slots.length - 1;
    let slot = hashBytes(this.emails, start, end) & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    return slot;
  }

  private grow(): void {
    const size = this.days.length * 2;
    this.emailStart = resized(this.emailStart, size + 1);
    this.nameStart = resized(this.nameStart, size);
    this.nameEnd = resized(this.nameEnd, size);
    this.days = resized(this.days, size);
    this.last = resized(this.last, size);
    this.slots = new Int32Array(size * 2);
    for (let i = 0; i < this.count - 1; i++) this.slots[this.freeSlot(this.emailStart[i]!, this.emailStart[i + 1]!)] = i + 1;
  }
}

/** FNV-1a over a byte range. */
function hashBytes(bytes: Buffer, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash >>> 0;
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
