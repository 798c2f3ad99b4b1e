import { execFileSync } from 'node:child_process';

/** What git's index keeps of a file whose merge is unresolved: stage 1 (base), 2 (ours), 3 (theirs). */
export interface UnmergedFile {
  base?: string;
  ours?: string;
  theirs?: string;
}

const STAGES: Record<string, keyof UnmergedFile> = { '1': 'base', '2': 'ours', '3': 'theirs' };

/** git exits 128 outside a repository; ENOENT means no git at all. Either way nothing is unmerged. */
function noRepository(error: unknown): boolean {
  const { status, code } = error as { status?: unknown; code?: unknown };
  return status === 128 || code === 'ENOENT';
}

/**
 * Every file under `paths` (relative to `root`) that git's index holds unmerged, keyed by its path
 * relative to `root`, with the text of each of its stages. One `git ls-files -u` per call and, only
 * when something is unmerged, one `git cat-file --batch` for all the stages' blobs.
 */
export function readUnmergedFiles(root: string, paths: readonly string[]): Map<string, UnmergedFile> {
  const files = new Map<string, UnmergedFile>();
  let listing: string;
  try {
    listing = execFileSync('git', ['ls-files', '-u', '-z', '--', ...paths], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    if (noRepository(error)) return files;
    throw error;
  }
  // Each entry: `<mode> <blob> <stage>\t<path>`, paths relative to `root`, NUL-terminated.
  const entries = listing
    .split('\0')
    .filter(Boolean)
    .map((entry) => {
      const tab = entry.indexOf('\t');
      const [, blob, stage] = entry.slice(0, tab).split(' ');
      return { path: entry.slice(tab + 1), blob: blob!, stage: STAGES[stage!]! };
    });
  if (entries.length === 0) return files;
  const blobs = readBlobs(
    root,
    entries.map((e) => e.blob),
  );
  for (const { path, blob, stage } of entries) {
    const file = files.get(path) ?? {};
    file[stage] = blobs.get(blob);
    files.set(path, file);
  }
  return files;
}

/** The texts of git blobs, read in one `git cat-file --batch`. */
function readBlobs(root: string, blobs: readonly string[]): Map<string, string> {
  const out = execFileSync('git', ['cat-file', '--batch'], {
    cwd: root,
    input: `${blobs.join('\n')}\n`,
    stdio: ['pipe', 'pipe', 'ignore'],
    maxBuffer: 256 * 1024 * 1024,
  });
  const texts = new Map<string, string>();
  let at = 0;
  while (at < out.length) {
    const eol = out.indexOf(0x0a, at);
    const [blob, type, size] = out.subarray(at, eol).toString('utf8').split(' ');
    at = eol + 1;
    if (type !== 'blob') continue; // `<blob> missing`: nothing to read
    const length = Number(size);
    texts.set(blob!, out.subarray(at, at + length).toString('utf8'));
    at += length + 1;
  }
  return texts;
}
