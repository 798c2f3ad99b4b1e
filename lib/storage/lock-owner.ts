import { createHash } from 'node:crypto';
import * as nodeFs from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { newId } from '../shared/index.js';
import { pauseForTest } from './test-pause.js';

/*
 * The lock is a folder holding at most one owner link: `owner-<token>`, a symbolic link whose target
 * (never followed, only read) says who holds it: pid, process start time, boot id, host. A link is
 * created with its content in one call, so no reader finds it half-written, and costs no data block.
 * The folder stays between holders (marked by a `kept` file): taking and giving back the lock is then
 * one symlink and one unlink, where making and removing a folder each time cost a directory block
 * allocated and freed (1–3 ms under the lock on ext4 with `discard`, at every mutation).
 * Judging a lock stale by age alone would let a holder that stalls past the stale time (a GC pause,
 * SIGSTOP, a paused VM, a long synchronous section) lose its lock while it still runs, and a check
 * right before writing cannot close that gap, since the holder can stall again just after it. So a
 * lock is never judged stale while its holder is alive:
 * - A link whose holder is alive on this host holds the lock, however old; one whose holder is dead is
 *   removed at once (no wait after a kill); one that cannot be asked (on another host, or unreadable)
 *   is removed once its own mtime is older than the stale time. A holder refreshes its link's mtime
 *   (on a timer, and whenever it checks that it still holds the lock), and the folder's too, for an
 *   older orc judging the folder by its age.
 * - Taking over removes exactly the links judged stale, never the folder, so it can never remove the
 *   link of a holder that came after the judgement.
 * - Acquiring puts the owner link into the folder and keeps the lock only if that link is alone there
 *   (two acquirers racing both see each other's link, or one sees none because the other linked after
 *   it looked, and then the other sees it: at most one keeps it).
 * - A folder without the `kept` mark comes from an older orc (which held the lock by the folder itself,
 *   possibly without a link) or is being made: while it has no link, only its age lets it be taken
 *   over, by removing it (if still empty) and making it anew.
 * A holder that is alive but hung therefore holds the workspace until it is ended; waiters get BUSY
 * naming its pid. That is the price of never letting two processes both report the same claim.
 */

/** Who holds a lock, as written in its folder: `<pid>:<start>:<boot>:<host>`. */
export interface LockOwner {
  pid: number;
  /** The process's start time in clock ticks since boot (Linux), so a reused pid is not mistaken for it. */
  start: string;
  /** The kernel's boot id, cut short (Linux): a lock from before a reboot is dead whatever its pid. */
  boot: string;
  /** A digest of the host name, cut short: an owner on another host cannot be asked. */
  host: string;
}

// Short enough (under 60 bytes) for ext4 to keep the link's target in its inode.
const short = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 8);
export const ownerText = (o: LockOwner) => `${o.pid}:${o.start}:${o.boot}:${o.host}`;
export function parseOwner(text: string): LockOwner | undefined {
  const [pid, start, boot, host, rest] = text.split(':');
  if (!/^\d+$/.test(pid ?? '') || host === undefined || rest !== undefined) return undefined;
  return { pid: Number(pid), start: start!, boot: boot!, host };
}

const PREFIX = 'owner-';
/** The mark of a folder that stays between holders (see above); its absence means an older orc's. */
const KEPT = 'kept';

const lockedError = (message = 'Lock file is already being held') =>
  Object.assign(new Error(message), { code: 'ELOCKED' });

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

function readProc(path: string): string | null {
  try {
    return nodeFs.readFileSync(path, 'utf8');
  } catch (error) {
    // No /proc (macOS), or the process is gone: the pid alone decides.
    if (errno(error) === 'ENOENT' || errno(error) === 'ESRCH' || errno(error) === 'EACCES') return null;
    throw error;
  }
}

function startOf(pid: number): string | null {
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null; // field 22, starttime
}

let bootId: string | undefined;
const currentBoot = () => {
  bootId ??= readProc('/proc/sys/kernel/random/boot_id')?.replaceAll('-', '').slice(0, 8) ?? '';
  return bootId;
};

// What this process writes as owner, read once: none of it changes while it runs.
let self: LockOwner | undefined;
export const selfOwner = () => {
  self ??= {
    pid: process.pid,
    start: startOf(process.pid) ?? '',
    boot: currentBoot(),
    host: short(lockTestHooks.host ?? hostname()),
  };
  return self;
};

/**
 * TEST ONLY, set in process by a test's child before its first lock: `staleMs` shortens the stale
 * time, `host` makes this process's locks look held from another host (judged by age alone), `stuckMs`
 * shortens how long a waiter waits in a line that does not move before giving up (BUSY).
 */
export const lockTestHooks: { staleMs?: number; host?: string; stuckMs?: number } = {};

/** Whether the process is stopped (SIGSTOP, ^Z; Linux): a queued waiter that is, is passed over. */
export function isStopped(pid: number): boolean {
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === null) return false;
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state === 'T' || state === 't';
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errno(error) === 'EPERM';
  }
}

/** `unknown` for a holder on another host: only the lock folder's age can tell. */
export function ownerState(owner: LockOwner): 'alive' | 'dead' | 'unknown' {
  if (owner.host !== selfOwner().host) return 'unknown';
  const boot = currentBoot();
  if (owner.boot && boot && owner.boot !== boot) return 'dead';
  if (!Number.isInteger(owner.pid) || !pidAlive(owner.pid)) return 'dead';
  const start = owner.start ? startOf(owner.pid) : null;
  return start !== null && start !== owner.start ? 'dead' : 'alive';
}

type Verdict =
  | { kind: 'mine' }
  | { kind: 'free' }
  | { kind: 'held'; owner: LockOwner; name: string }
  | { kind: 'dead'; files: string[]; kept: boolean }
  | { kind: 'unknown'; files: string[]; kept: boolean; folder: boolean };

/** The ownership of one lock folder, for one acquisition. */
export class LockOwnership {
  private readonly token = newId('k').slice(2);
  /** When this acquisition last touched the folder (created or refreshed it), for `refreshIfDue`. */
  private touchedAt = 0;

  constructor(
    readonly dir: string,
    private readonly staleMs: number,
  ) {}

  private get ownerFile(): string {
    return join(this.dir, `${PREFIX}${this.token}`);
  }

  /**
   * One attempt to take the lock: links into the folder, or first removes the links in the way when
   * their holders are all dead (at once) or, without an owner that can be asked, older than the stale
   * time (an older orc's folder without a link: the folder itself, by its age).
   */
  tryAcquire(): boolean {
    // Twice at most: stale links removed, then linked; a second stale one is left to the next try.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        this.create();
        return true;
      } catch (error) {
        if (errno(error) !== 'ELOCKED') throw error;
      }
      if (!this.isStale()) return false;
      try {
        this.takeOver();
      } catch (error) {
        if (errno(error) === 'ELOCKED') return false;
        throw error;
      }
    }
    return false;
  }

  /** Gives the lock back: removes the owner link; the folder stays for the next holder. */
  release(): void {
    unlinkQuietly(this.ownerFile);
  }

  /**
   * Sets the owner link's mtime (and the folder's) to now, so that a judge on another host (which can
   * only go by age) keeps seeing the lock held; false when this acquisition no longer holds it.
   */
  refresh(): boolean {
    if (!this.holds()) return false;
    const now = new Date();
    try {
      nodeFs.lutimesSync(this.ownerFile, now, now);
      nodeFs.utimesSync(this.dir, now, now);
    } catch (error) {
      if (errno(error) === 'ENOENT') return false;
      throw error;
    }
    this.touchedAt = Date.now();
    return this.holds();
  }

  /** `refresh` when a quarter of the stale time has passed since the last one; false when not held. */
  refreshIfDue(): boolean {
    if (Date.now() - this.touchedAt < this.staleMs / 4) return this.holds();
    return this.refresh();
  }

  /** Whether this acquisition still holds the lock: its owner link is still in the folder. */
  holds(): boolean {
    try {
      nodeFs.lstatSync(this.ownerFile);
      return true;
    } catch (error) {
      if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR') return false;
      throw error;
    }
  }

  /** The live holder of the lock and since when it holds it (its link's birth), for a BUSY message. */
  holder(): { pid: number; since: string } | undefined {
    const verdict = this.judge();
    if (verdict.kind !== 'held') return undefined;
    let since: string;
    try {
      const stat = nodeFs.lstatSync(join(this.dir, verdict.name));
      since = new Date(stat.birthtimeMs > 0 ? stat.birthtimeMs : stat.mtimeMs).toISOString();
    } catch (error) {
      if (errno(error) === 'ENOENT') return undefined; // released meanwhile
      throw error;
    }
    return { pid: verdict.owner.pid, since };
  }

  /** Links into the folder (made, and marked kept, when missing); ELOCKED unless the link is alone there. */
  private create(): void {
    // An unmarked folder (an older orc's, or one being made) is left alone: a link made and removed in
    // it would refresh the folder's mtime, the age its judge goes by.
    if (!this.isKept()) {
      this.makeFolder();
      if (!this.isKept()) throw lockedError();
    }
    try {
      nodeFs.symlinkSync(ownerText(selfOwner()), this.ownerFile);
    } catch (error) {
      if (errno(error) === 'ENOENT') throw lockedError(); // a taker removed the folder meanwhile
      throw error;
    }
    const others = nodeFs
      .readdirSync(this.dir)
      .some((n) => n.startsWith(PREFIX) && n !== `${PREFIX}${this.token}`);
    if (others) {
      // Another holder, or an acquirer racing this one: the judge decides.
      unlinkQuietly(this.ownerFile);
      throw lockedError();
    }
    this.touchedAt = Date.now();
  }

  private isKept(): boolean {
    try {
      nodeFs.lstatSync(join(this.dir, KEPT));
      return true;
    } catch (error) {
      if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR') return false;
      throw error;
    }
  }

  private makeFolder(): void {
    try {
      nodeFs.mkdirSync(this.dir);
    } catch (error) {
      if (errno(error) !== 'EEXIST') throw error;
      return; // made meanwhile by another acquirer, which marks it
    }
    nodeFs.closeSync(nodeFs.openSync(join(this.dir, KEPT), 'a'));
  }

  /** Whether the links in the way may be removed: their holders dead, or unknown and old. */
  private isStale(): boolean {
    const verdict = this.judge();
    if (verdict.kind === 'dead' || verdict.kind === 'free') return true;
    if (verdict.kind !== 'unknown') {
      if (verdict.kind === 'held' && this.ageOf(verdict.name) > this.staleMs)
        pauseForTest('lock:spared-stalled-holder');
      return false;
    }
    return this.oldest(verdict) > this.staleMs;
  }

  private takeOver(): void {
    const verdict = this.judge();
    if (verdict.kind === 'held' || verdict.kind === 'mine') throw lockedError();
    if (verdict.kind === 'free') return;
    if (verdict.kind === 'unknown' && this.oldest(verdict) <= this.staleMs) throw lockedError(); // refreshed meanwhile
    for (const file of verdict.files) unlinkQuietly(join(this.dir, file));
    if (verdict.kept) return;
    // An older orc's folder: removed when empty, to be made anew (and marked) by the next create.
    try {
      nodeFs.rmdirSync(this.dir);
    } catch (error) {
      if (errno(error) === 'ENOENT') return;
      // A new holder's link is in it: the folder is no longer the stale one.
      if (errno(error) === 'ENOTEMPTY' || errno(error) === 'EEXIST') throw lockedError();
      throw error;
    }
  }

  /** How long since the oldest of what an `unknown` verdict goes by was refreshed (Infinity: gone). */
  private oldest(verdict: { files: string[]; folder: boolean }): number {
    const ages = verdict.files.map((f) => this.ageOf(f));
    if (verdict.folder) ages.push(this.ageOf(''));
    return ages.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...ages);
  }

  /** Milliseconds since `name` in the folder (the folder itself for '') was last refreshed; Infinity when gone. */
  private ageOf(name: string): number {
    try {
      return Date.now() - nodeFs.lstatSync(name === '' ? this.dir : join(this.dir, name)).mtimeMs;
    } catch (error) {
      if (errno(error) === 'ENOENT') return Number.POSITIVE_INFINITY;
      throw error;
    }
  }

  private judge(): Verdict {
    let names: string[];
    try {
      names = nodeFs.readdirSync(this.dir);
    } catch (error) {
      if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR') return { kind: 'free' };
      throw error;
    }
    const owners = names.filter((n) => n.startsWith(PREFIX));
    if (owners.includes(`${PREFIX}${this.token}`)) return { kind: 'mine' };
    const dead: string[] = [];
    const unknown: string[] = [];
    for (const name of owners) {
      const owner = this.readOwner(name);
      if (owner === null) continue; // removed meanwhile
      const state = owner === undefined ? 'unknown' : ownerState(owner);
      if (state === 'alive') return { kind: 'held', owner: owner!, name };
      (state === 'dead' ? dead : unknown).push(name);
    }
    // An older orc's folder (no `kept` mark) without a link, or a link that cannot be asked: the age
    // of that link, or of the folder, decides.
    const kept = names.includes(KEPT);
    const folder = !kept && dead.length + unknown.length === 0;
    if (unknown.length > 0 || folder) return { kind: 'unknown', files: [...dead, ...unknown], kept, folder };
    return dead.length > 0 ? { kind: 'dead', files: dead, kept } : { kind: 'free' };
  }

  /** The owner named by `name`: null when it is gone, undefined when it cannot be read as one. */
  private readOwner(name: string): LockOwner | null | undefined {
    try {
      return parseOwner(nodeFs.readlinkSync(join(this.dir, name)));
    } catch (error) {
      if (errno(error) === 'ENOENT') return null;
      if (errno(error) === 'EINVAL') return undefined; // not a link: not written by this orc
      throw error;
    }
  }
}

/** Removes a file of the lock or its line; one already gone is fine (another process got there first). */
export function unlinkQuietly(path: string): void {
  try {
    nodeFs.unlinkSync(path);
  } catch (error) {
    if (errno(error) !== 'ENOENT') throw error;
  }
}
