import type { UserUsage } from './rows.js';

const NONE = -1;
const INITIAL_USERS = 256;

/**
 * The users of one instance, merged by email (the most activity wins), kept in parallel arrays rather than an
 * object and a Map entry per user: every user has to be remembered until the report ends (a duplicate may come
 * last), and a 1M-row report held as objects in a Map took ~190 MB of heap. Here a user costs its email string,
 * a few typed-array cells and a slot of an open-addressing hash table (emails compared as strings, so no hash
 * collision merges two people). Iterating builds each user's object on the way, for the policy to keep only the
 * inactive ones.
 */
export class UserTable implements Iterable<UserUsage> {
  private count = 0;
  private readonly emails: string[] = [];
  private readonly names: Array<string | undefined> = [];
  private hashes = new Int32Array(INITIAL_USERS);
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
    const hash = stringHash(user.email);
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    for (let held = this.slots[slot]!; held !== 0; slot = (slot + 1) & mask, held = this.slots[slot]!) {
      if (this.hashes[held - 1] === hash && this.emails[held - 1] === user.email) return this.merge(held - 1, user);
    }
    const i = this.count++;
    if (this.count === this.days.length) this.grow();
    this.emails.push(user.email);
    this.names.push(user.name);
    this.hashes[i] = hash;
    this.days[i] = user.daysActive ?? NONE;
    this.last[i] = user.lastActive === undefined ? NONE : this.dateId(user.lastActive);
    // The slot found above is still free unless the table just grew.
    this.slots[this.slots.length - 1 === mask ? slot : this.freeSlot(hash)] = i + 1;
  }

  *[Symbol.iterator](): Iterator<UserUsage> {
    for (let i = 0; i < this.count; i++) {
      const user: UserUsage = { email: this.emails[i]! };
      if (this.names[i] !== undefined) user.name = this.names[i];
      if (this.days[i] !== NONE) user.daysActive = this.days[i];
      if (this.last[i] !== NONE) user.lastActive = this.dates[this.last[i]!];
      yield user;
    }
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
    this.hashes = resized(this.hashes, size);
    this.days = resized(this.days, size);
    this.last = resized(this.last, size);
    this.slots = new Int32Array(size * 2);
    for (let i = 0; i < this.count - 1; i++) this.slots[this.freeSlot(this.hashes[i]!)] = i + 1;
  }
}

/** FNV-1a over the UTF-16 code units. */
function stringHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let j = 0; j < text.length; j++) hash = Math.imul(hash ^ text.charCodeAt(j), 0x01000193);
  return hash;
}

function resized(array: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(size);
  bigger.set(array);
  return bigger;
}
