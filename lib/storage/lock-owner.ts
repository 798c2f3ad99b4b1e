import { createHash } from 'node:crypto';
import * as nodeFs from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { newId } from '../shared/index.js';
import { pauseForTest } from './test-pause.js';

/*
 * The lock is a folder made with mkdir (atomic: one process succeeds). Judging a lock stale by the
 * folder's age alone would let a holder that stalls past the stale time (a GC pause, SIGSTOP, a paused
 * VM, a long synchronous section) lose its lock while it still runs, and a check right before writing
 * cannot close that gap, since the holder can stall again just after it. So a lock is never judged
 * stale while its holder is alive: each holder puts `owner-<token>` into the lock folder, a symbolic
 * link whose target (never followed, only read) says who it is: pid, process start time, boot id,
 * host. A link is created with its content in one call, so no reader finds it half-written, and costs
 * no data block.
 * - A folder whose holder is alive on this host is held, however old; one whose holders are all dead
 *   is taken over at once (no wait after a kill); otherwise (no owner link, or a holder on another
 *   host, which cannot be asked) its age decides: past the stale time it may be taken over. A holder
 *   refreshes its folder's mtime (on a timer, and whenever it checks that it still holds the lock).
 * - Taking over unlinks exactly the dead holders' links, then removes the folder only if it is empty,
 *   so a taker can never remove a folder that a live holder has put its link in.
 * - Acquiring creates the folder, puts the owner link in it and keeps the lock only if that link is
 *   alone there (an acquirer stalled between the two, whose folder was taken meanwhile, finds the
 *   other's link and backs off).
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
 * time, `host` makes this process's locks look held from another host (judged by age alone).
 */
export const lockTestHooks: { staleMs?: number; host?: string } = {};

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
  | { kind: 'held'; owner: LockOwner; name: string }
  | { kind: 'dead'; files: string[] }
  | { kind: 'unknown'; files: string[] };

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
   * One attempt to take the lock: creates the folder, or takes it over when its holders are all dead
   * (at once) or, without an owner that can be asked, when it is older than the stale time.
   */
  tryAcquire(): boolean {
    // Twice at most: a stale folder removed, then created; a second stale one is left to the next try.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        this.create();
        return true;
      } catch (error) {
        if (errno(error) === 'ELOCKED') return false;
        if (errno(error) !== 'EEXIST') throw error;
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

  /** Gives the lock back: removes the owner link, then the folder if nothing else is in it. */
  release(): void {
    this.remove();
  }

  /**
   * Sets the folder's mtime to now, so that a judge on another host (which can only go by age) keeps
   * seeing the lock held; false when this acquisition no longer holds it.
   */
  refresh(): boolean {
    if (!this.holds()) return false;
    const now = new Date();
    try {
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

  /** The live holder of the lock and since when it holds it, for a BUSY message. */
  holder(): { pid: number; since: string } | undefined {
    const verdict = this.judge();
    if (verdict.kind !== 'held') return undefined;
    let since: string;
    try {
      since = nodeFs.lstatSync(join(this.dir, verdict.name)).mtime.toISOString();
    } catch (error) {
      if (errno(error) === 'ENOENT') return undefined; // released meanwhile
      throw error;
    }
    return { pid: verdict.owner.pid, since };
  }

  private create(): void {
    nodeFs.mkdirSync(this.dir);
    try {
      nodeFs.symlinkSync(ownerText(selfOwner()), this.ownerFile);
    } catch (error) {
      if (errno(error) === 'ENOENT') throw lockedError(); // a taker removed the folder meanwhile
      throw error;
    }
    const others = nodeFs
      .readdirSync(this.dir)
      .filter((n) => n.startsWith(PREFIX) && n !== `${PREFIX}${this.token}`);
    if (others.length > 0) {
      // Another acquirer wrote into this same folder: keep the lock only when alone in it.
      this.unlinkQuietly(this.ownerFile);
      throw lockedError();
    }
    this.touchedAt = Date.now();
  }

  /** Whether the folder found in the way may be taken over: its holders dead, or unknown and old. */
  private isStale(): boolean {
    const verdict = this.judge();
    if (verdict.kind === 'dead') return true;
    let mtimeMs: number;
    try {
      mtimeMs = nodeFs.statSync(this.dir).mtimeMs;
    } catch (error) {
      if (errno(error) === 'ENOENT') return true; // released meanwhile: just create it
      throw error;
    }
    const old = mtimeMs < Date.now() - this.staleMs;
    if (verdict.kind === 'held' && old) pauseForTest('lock:spared-stalled-holder');
    return verdict.kind === 'unknown' && old;
  }

  private takeOver(): void {
    const verdict = this.judge();
    if (verdict.kind === 'held' || verdict.kind === 'mine') throw lockedError();
    if (verdict.kind === 'unknown') {
      let mtimeMs: number;
      try {
        mtimeMs = nodeFs.statSync(this.dir).mtimeMs;
      } catch (error) {
        if (errno(error) === 'ENOENT') return;
        throw error;
      }
      if (mtimeMs >= Date.now() - this.staleMs) throw lockedError(); // refreshed meanwhile
    }
    for (const file of verdict.files) this.unlinkQuietly(join(this.dir, file));
    try {
      nodeFs.rmdirSync(this.dir);
    } catch (error) {
      if (errno(error) === 'ENOENT') return;
      // A new holder's file is in it: the folder is no longer the stale one.
      if (errno(error) === 'ENOTEMPTY' || errno(error) === 'EEXIST') throw lockedError();
      throw error;
    }
  }

  private remove(): void {
    this.unlinkQuietly(this.ownerFile);
    try {
      nodeFs.rmdirSync(this.dir);
    } catch (error) {
      // Gone, or an acquirer stalled in its creation wrote into it: that one now holds it.
      if (errno(error) !== 'ENOENT' && errno(error) !== 'ENOTEMPTY' && errno(error) !== 'EEXIST') throw error;
    }
  }

  private judge(): Verdict {
    let names: string[];
    try {
      names = nodeFs.readdirSync(this.dir);
    } catch (error) {
      if (errno(error) === 'ENOENT' || errno(error) === 'ENOTDIR') return { kind: 'unknown', files: [] };
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
    // Without an owner link (an older orc, or a holder killed between mkdir and the link), or with
    // one that cannot be asked, the folder's age decides, as proper-lockfile alone would.
    if (unknown.length > 0 || dead.length === 0) return { kind: 'unknown', files: [...dead, ...unknown] };
    return { kind: 'dead', files: dead };
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

  private unlinkQuietly(path: string): void {
    try {
      nodeFs.unlinkSync(path);
    } catch (error) {
      if (errno(error) !== 'ENOENT') throw error;
    }
  }
}
