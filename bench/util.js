// Shared by benchmark modules: temp workspaces and number formatting.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const LIB = join(ROOT, 'dist', 'lib', 'index.js');

/** A temp folder removed when the process exits. */
export function tempDir(prefix = 'orc-bench-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const fmt = (n, digits = 0) => n.toFixed(digits);
