import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { newId } from '../shared/index.js';
import { type LockOwner, isStopped, ownerState, selfOwner, unlinkQuietly } from './lock-owner.js';

/*
 * The waiting line of one lock, so that the lock goes to waiters in the order they came (polling at
 * random intervals let late arrivals overtake: at 8 claimers the p99 wait was 50 s) and is handed over
 * at once instead of at the next poll. A waiter puts a ticket file into `<lock>.queue/`, named
 * `<sequence>-<owner>-<token>`: the sequence is above every ticket in the folder (and the clock, so it
 * grows while the folder empties), the owner says who waits (as in lock-owner.ts). Only the waiter whose
 * ticket comes first among the live ones may try the lock. A holder, once it has released the lock,
 * sets the mtime of the first live ticket: its waiter watches its own ticket (inotify) and wakes at
 * once. Waiters also poll (the head often, the others seldom) for what sends no wake-up: a holder killed
 * or on another host, a waiter that died in the line.
 * A ticket whose waiter is dead is removed by whoever finds it; one whose waiter is stopped (^Z,
 * SIGSTOP) is passed over but kept, so the waiter finds its place again when it resumes; one from
 * another host counts while its waiter keeps refreshing it (within the stale time).
 */

const SEQUENCE_DIGITS = 17;

interface Ticket {
  name: string;
  sequence: number;
  owner: LockOwner | undefined;
}

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

function parseTicket(name: string): Ticket | undefined {
  const parts = name.split('-');
  if (parts.length !== 6 || !/^\d+$/.test(parts[0]!)) return undefined;
  const [sequence, pid, start, boot, host] = parts;
  const owner = /^\d+$/.test(pid!)
    ? { pid: Number(pid), start: start!, boot: boot!, host: host! }
    : undefined;
  return { name, sequence: Number(sequence), owner };
}

export class LockQueue {
  private name: string | undefined;
  private watcher: nodeFs.FSWatcher | undefined;
  private woken = false;
  private wake: (() => void) | undefined;
  private refreshedAt = 0;

  constructor(
    /** The queue folder: the lock folder's path with `.queue`. */
    readonly dir: string,
    private readonly staleMs: number,
  ) {}

  /** Whether no live waiter is in the line (then a newcomer may try the lock before joining it). */
  isEmpty(): boolean {
    return this.firstLive() === undefined;
  }

  /** Joins the line (its folder made by the caller): a ticket after every one there, watched for the wake-up. */
  join(): void {
    const last = this.tickets().at(-1)?.sequence ?? 0;
    const sequence = Math.max(last + 1, Date.now() * 1000);
    const owner = selfOwner();
    this.name = [
      String(sequence).padStart(SEQUENCE_DIGITS, '0'),
      owner.pid,
      owner.start,
      owner.boot,
      owner.host,
      newId('q').slice(2),
    ].join('-');
    nodeFs.closeSync(nodeFs.openSync(join(this.dir, this.name), 'wx'));
    this.refreshedAt = Date.now();
    try {
      // Not persistent: the wait's own timer keeps the process alive.
      this.watcher = nodeFs.watch(join(this.dir, this.name), { persistent: false }, () => this.onWake());
      this.watcher.on('error', () => undefined); // the ticket removed: the poll goes on
    } catch {
      // No inotify left (or an unsupported file system): polling alone still works.
    }
  }

  /** Leaves the line (after taking the lock, or giving up). */
  leave(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.name === undefined) return;
    unlinkQuietly(join(this.dir, this.name));
    this.name = undefined;
  }

  /** The ticket that comes first among the live ones, and whether it is this waiter's. */
  head(): { name: string | undefined; mine: boolean } {
    const name = this.firstLive()?.name;
    return { name, mine: name !== undefined && name === this.name };
  }

  /**
   * Waits for a wake-up or `ms`, whichever comes first. A waiter refreshes its ticket now and then,
   * so that waiters on another host (which can only judge its age) keep counting it.
   */
  async wait(ms: number): Promise<void> {
    if (this.name !== undefined && Date.now() - this.refreshedAt > this.staleMs / 4) {
      this.refreshedAt = Date.now();
      touchQuietly(join(this.dir, this.name));
    }
    if (this.woken) {
      this.woken = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
    this.woken = false;
  }

  /** After a release: wakes the first live waiter, which then takes the lock. */
  wakeHead(): void {
    const head = this.firstLive();
    if (head && head.name !== this.name) touchQuietly(join(this.dir, head.name));
  }

  private onWake(): void {
    this.woken = true;
    this.wake?.();
  }

  private tickets(): Ticket[] {
    let names: string[];
    try {
      names = nodeFs.readdirSync(this.dir);
    } catch (error) {
      if (errno(error) === 'ENOENT') return [];
      throw error;
    }
    // Fixed-width sequences: the names sort in the order of arrival (ties by token).
    return names
      .sort()
      .map(parseTicket)
      .filter((t): t is Ticket => t !== undefined);
  }

  /** The first ticket whose waiter is alive and running; dead ones found before it are removed. */
  private firstLive(): Ticket | undefined {
    for (const ticket of this.tickets()) {
      if (ticket.name === this.name) return ticket;
      const state = ticket.owner ? ownerState(ticket.owner) : 'unknown';
      if (state === 'alive') {
        if (isStopped(ticket.owner!.pid)) continue;
        return ticket;
      }
      if (state === 'unknown' && !this.isOld(ticket)) return ticket;
      if (state === 'dead' || state === 'unknown') unlinkQuietly(join(this.dir, ticket.name));
    }
    return undefined;
  }

  private isOld(ticket: Ticket): boolean {
    try {
      return nodeFs.statSync(join(this.dir, ticket.name)).mtimeMs < Date.now() - this.staleMs;
    } catch (error) {
      if (errno(error) === 'ENOENT') return true;
      throw error;
    }
  }
}

function touchQuietly(path: string): void {
  const now = new Date();
  try {
    nodeFs.utimesSync(path, now, now);
  } catch (error) {
    if (errno(error) !== 'ENOENT') throw error;
  }
}
