/** What the pre-edit hook needs of a lock record. */
export interface HeldLock {
  resource: string;
  owner: string;
  expiresAt: string;
}

/** A file an agent is about to write: relative to the repository root (forward slashes) and absolute. */
export interface EditedFile {
  rel: string;
  abs: string;
}

const GLOB_CHARS = /[*?]/;

/** A glob over paths: `**` crosses folders (a leading `**` and slash also matches none), `*` and `?` stay within one. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      out += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else out += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

const normal = (resource: string) => resource.replace(/^\.\//, '').replace(/\/+$/, '');

/**
 * True when a lock on `resource` covers the file: the same path, a folder above it, or a glob that
 * matches it; resources are relative to the repository root, or absolute.
 */
export function lockCovers(resource: string, file: EditedFile): boolean {
  const r = normal(resource);
  if (r === '') return false;
  if (GLOB_CHARS.test(r)) {
    const re = globToRegExp(r);
    return re.test(file.rel) || re.test(file.abs);
  }
  return [file.rel, file.abs].some((p) => p === r || p.startsWith(`${r}/`));
}

/**
 * The first live lock of another agent that covers one of the files, with that file. An unknown agent
 * (`null`) owns no lock, so every live lock over the file stands in its way.
 */
export function blockingLock(
  locks: readonly HeldLock[],
  files: readonly EditedFile[],
  agent: string | null,
  now: number,
): { lock: HeldLock; file: EditedFile } | undefined {
  for (const file of files) {
    for (const lock of locks) {
      if (lock.owner === agent || !(Date.parse(lock.expiresAt) > now)) continue;
      if (lockCovers(lock.resource, file)) return { lock, file };
    }
  }
  return undefined;
}

/** True when `agent` holds a live lock covering the file (then auto-lock has nothing to take). */
export function holdsLock(locks: readonly HeldLock[], file: EditedFile, agent: string, now: number): boolean {
  return locks.some(
    (l) => l.owner === agent && Date.parse(l.expiresAt) > now && lockCovers(l.resource, file),
  );
}
