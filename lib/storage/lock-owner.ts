import { createHash } from 'node:crypto';
import * as nodeFs from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { newId } from '../shared/index.js';
import { pauseForTest } from './test-pause.js';

/*
 * proper-lockfile judges a lock stale by the age of its folder alone: a holder that stalls past the
 * stale time (a GC pause, SIGSTOP, a paused VM) loses its lock while it still runs, and a check right
 * before writing cannot close that gap, since the holder can stall again just after it. So a lock is
 * never judged stale while its holder is alive: each holder puts `owner-<token>` into the lock folder,
 * a symbolic link whose target (never followed, only read) says who it is: pid, process start time,
 * boot id, host. A link is created with its content in one call, so no reader finds it half-written,
 * and costs no data block. The `fs` that proper-lockfile is given (its documented hook) reads it:
 * - stat: a folder whose holder is alive on this host looks fresh, one whose holders are all dead
 *   looks stale at once (no 10 s wait after a kill); otherwise (no owner link, or a holder on another
 *   host, which cannot be asked) its real age decides, as before;
 * - rmdir, to take a stale lock over: unlinks exactly the dead holders' links, then removes the folder
 *   only if it is empty, so a taker can never remove a folder that a live holder has put its link in;
 * - mkdir: creates the folder, puts the owner link in it and keeps the lock only if that link is alone
 *   there (an acquirer stalled between the two, whose folder was taken meanwhile, finds the other's
 *   link and backs off).
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
const ownerText = (o: LockOwner) => `${o.pid}:${o.start}:${o.boot}:${o.host}`;
function parseOwner(text: string): LockOwner | undefined {
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
const selfOwner = () => {
  self ??= {
    pid: process.pid,
    start: startOf(process.pid) ?? '',
    boot: currentBoot(),
    host: short(hostname()),
  };
  return self;
};

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

/** The ownership of one lock folder, for one acquisition: handed to proper-lockfile as its `fs`. */
export class LockOwnership {
  private readonly token = newId('k').slice(2);
  /** Set before calling proper-lockfile's release, so that its rmdir is ours and not a takeover. */
  releasing = false;
  /** Set once this acquisition holds the folder: its later stats (mtime probe, keep-alive) are its own. */
  private created = false;

  constructor(
    readonly dir: string,
    private readonly staleMs: number,
  ) {}

  private get ownerFile(): string {
    return join(this.dir, `${PREFIX}${this.token}`);
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

  /** The `fs` option of proper-lockfile: node's, with the lock folder's mkdir, stat and rmdir owned. */
  fs(): Record<string, unknown> {
    // proper-lockfile calls these with callbacks, on the lock folder only; any other path is node's.
    type Method = (path: string, ...rest: unknown[]) => void;
    const own =
      (fallback: unknown, fn: () => unknown): Method =>
      (path, ...rest) => {
        if (path !== this.dir) return (fallback as Method)(path, ...rest);
        const callback = rest.at(-1) as (error: Error | null, result?: unknown) => void;
        let result: unknown;
        try {
          result = fn();
        } catch (error) {
          return process.nextTick(callback, error as Error);
        }
        process.nextTick(callback, null, result);
      };
    return {
      ...nodeFs,
      mkdir: own(nodeFs.mkdir, () => this.create()),
      stat: own(nodeFs.stat, () => this.stat()),
      rmdir: own(nodeFs.rmdir, () => (this.releasing ? this.remove() : this.takeOver())),
      // proper-lockfile's exit handler, for a lock still held when the process exits.
      rmdirSync: (path: string) => (path === this.dir ? this.remove() : nodeFs.rmdirSync(path)),
    };
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
    this.created = true;
  }

  private stat(): nodeFs.Stats {
    const real = nodeFs.statSync(this.dir);
    if (this.created) return real;
    const verdict = this.judge();
    if (verdict.kind === 'held') {
      if (real.mtimeMs < Date.now() - this.staleMs) pauseForTest('lock:spared-stalled-holder');
      return { ...real, mtime: new Date() } as nodeFs.Stats;
    }
    if (verdict.kind === 'dead') return { ...real, mtime: new Date(0) } as nodeFs.Stats;
    return real;
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
