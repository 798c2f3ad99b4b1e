import { join } from 'node:path';
import { loadBoardSettings } from '../config/index.js';
import { checkDurationMs, conflict, notFound, quote } from '../shared/index.js';
import { type Lock, validateLock } from '../records/index.js';
import { listRecords } from '../storage/index.js';
import { type ActorOptions, type Mutation, mutate } from '../storage/index.js';
import { checkName, checkResource, resourceFileName } from '../shared/index.js';
import type { Workspace } from '../storage/index.js';
import { compareText } from '../shared/index.js';

export type { Lock } from '../records/index.js';

export interface AcquireLockOptions extends ActorOptions {
  /** Time-to-live in milliseconds; defaults to `board.lock_ttl`. */
  ttlMs?: number;
  /** Keep trying for this many milliseconds while someone else holds it. */
  waitMs?: number;
}

export interface ReleaseLockOptions extends ActorOptions {
  /** Release a lock held by someone else; recorded as `lock.force_released`. */
  force?: boolean;
}

const fileOf = (ws: Workspace, resource: string) => join(ws.locksDir, resourceFileName(resource));

function readLock(m: Mutation, resource: string): Lock | undefined {
  const label = `state/locks/${resourceFileName(resource)}`;
  const raw = m.readJson<unknown>(fileOf(m.ws, resource), label);
  return raw === undefined ? undefined : validateLock(raw, label);
}

export const isLockLive = (lock: Lock, now = Date.now()) => Date.parse(lock.expiresAt) > now;

function tryAcquire(ws: Workspace, resource: string, owner: string, ttlMs: number, options: ActorOptions) {
  return mutate(
    ws,
    { actor: options.actor ?? owner, now: options.now },
    (m): { lock?: Lock; holder?: Lock } => {
      const current = readLock(m, resource);
      const expiresAt = new Date(m.now.getTime() + ttlMs).toISOString();
      if (current && isLockLive(current, m.now.getTime())) {
        if (current.owner !== owner) return { holder: current };
        const lock: Lock = { ...current, count: current.count + 1, expiresAt };
        m.writeJson(fileOf(ws, resource), lock);
        m.emit('lock.acquired', resource, { owner, count: lock.count, expiresAt });
        return { lock };
      }
      if (current) m.emit('lock.expired', resource, { owner: current.owner, expiresAt: current.expiresAt });
      const lock: Lock = { v: 1, resource, owner, count: 1, acquiredAt: m.nowIso, expiresAt };
      m.writeJson(fileOf(ws, resource), lock);
      m.emit('lock.acquired', resource, { owner, count: 1, expiresAt });
      return { lock };
    },
  );
}

/**
 * Acquires a resource lock for `owner`. Re-entrant: the owner acquiring again raises the count and
 * extends the expiry. With `waitMs`, retries with backoff while another owner holds it.
 */
export async function acquireLock(
  ws: Workspace,
  resource: string,
  owner: string,
  options: AcquireLockOptions = {},
): Promise<Lock> {
  checkResource(resource);
  checkName('owner', owner);
  const ttlMs = checkDurationMs(options.ttlMs, 'ttlMs') ?? loadBoardSettings(ws).lockTtlMs;
  checkDurationMs(options.waitMs || undefined, 'waitMs');
  const deadline = Date.now() + (options.waitMs ?? 0);
  let delay = 25;
  for (;;) {
    const { lock, holder } = await tryAcquire(ws, resource, owner, ttlMs, options);
    if (lock) return lock;
    const left = deadline - Date.now();
    if (left <= 0) {
      const waited = options.waitMs ? ` (waited ${Math.round(options.waitMs / 1000)}s)` : '';
      throw conflict(
        `lock ${quote(resource)} is held by ${holder!.owner} until ${holder!.expiresAt}${waited}`,
        {
          holder: holder!.owner,
          expiresAt: holder!.expiresAt,
        },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
    delay = Math.min(delay * 2, 500);
  }
}

/** Releases one acquisition of a lock; the lock is free when its count reaches zero. */
export async function releaseLock(
  ws: Workspace,
  resource: string,
  owner: string,
  options: ReleaseLockOptions = {},
): Promise<Lock | null> {
  checkResource(resource);
  checkName('owner', owner);
  return mutate(ws, { actor: options.actor ?? owner, now: options.now }, (m) => {
    const current = readLock(m, resource);
    if (!current || !isLockLive(current, m.now.getTime()))
      throw notFound(`lock ${quote(resource)} is not held`);
    if (current.owner !== owner) {
      if (!options.force) {
        throw conflict(
          `lock ${quote(resource)} is held by ${current.owner}, not ${owner}: only its owner releases it (or force it, which is recorded)`,
        );
      }
      m.remove(fileOf(ws, resource));
      m.emit('lock.force_released', resource, { owner: current.owner, by: owner });
      return null;
    }
    if (current.count > 1) {
      const lock = { ...current, count: current.count - 1 };
      m.writeJson(fileOf(ws, resource), lock);
      m.emit('lock.released', resource, { owner, count: lock.count });
      return lock;
    }
    m.remove(fileOf(ws, resource));
    m.emit('lock.released', resource, { owner, count: 0 });
    return null;
  });
}

function readAllLocks(ws: Workspace): Lock[] {
  return listRecords(ws, 'lock');
}

/** Held locks (expired ones are free and left out unless `all`); `now` is when expiry is judged. */
export function listLocks(ws: Workspace, options: { all?: boolean; now?: Date } = {}): Lock[] {
  const now = (options.now ?? new Date()).getTime();
  return readAllLocks(ws)
    .filter((lock) => options.all || isLockLive(lock, now))
    .sort((a, b) => compareText(a.resource, b.resource));
}

/** Inside a mutation: releases every live lock of `owner` (an agent leaving). */
export function releaseLocksOwnedBy(m: Mutation, owner: string): string[] {
  const released: string[] = [];
  for (const lock of readAllLocks(m.ws)) {
    if (lock.owner !== owner || !isLockLive(lock, m.now.getTime())) continue;
    m.remove(fileOf(m.ws, lock.resource));
    m.emit('lock.released', lock.resource, { owner, count: 0, reason: 'owner unregistered' });
    released.push(lock.resource);
  }
  return released;
}
