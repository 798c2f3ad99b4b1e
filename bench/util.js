// Shared by benchmark modules: temp workspaces, number formatting and the DAG flow of the run benchmarks.
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

export const DAG_STEPS = 200;
export const DAG_LAYER = 20;

/** A flow `dag` of DAG_STEPS steps of agent `noop`, in layers of DAG_LAYER, each on two of the layer before. */
export function dagFlow() {
  const lines = ['  - id: dag', '    steps:'];
  for (let i = 0; i < DAG_STEPS; i++) {
    const layer = Math.floor(i / DAG_LAYER);
    const before = (layer - 1) * DAG_LAYER;
    const deps = layer === 0 ? [] : [before + (i % DAG_LAYER), before + ((i + 1) % DAG_LAYER)];
    lines.push(
      `      - { id: s${i}, agent: noop, task: step ${i}, deps: [${deps.map((d) => `s${d}`).join(', ')}] }`,
    );
  }
  return lines.join('\n');
}
