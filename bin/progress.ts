import { createRequire } from 'node:module';
import { subsystems } from '../lib/cli.js';
import type { Context } from './output.js';

const { envValue } = await subsystems.shared();

/** A progress callback and its stop; a no-op unless stderr is a terminal (and not --json). */
export interface Progress {
  update: (done: number, total: number, phase?: string) => void;
  stop: () => void;
}

const PHASES: Record<string, string> = { index: 'indexing', embed: 'embedding' };

// Short jobs finish before a bar would be worth drawing.
const SHOW_AFTER_MS = 300;

/**
 * A cli-progress bar on stderr for long jobs (reindexing thousands of documents, embedding). It appears
 * only on a terminal, after SHOW_AFTER_MS, so agents' pipes and quick commands never see it.
 */
export function progressBar(ctx: Context, label: string): Progress {
  const force = envValue(process.env, 'PROGRESS') === '1';
  if (!force && (ctx.json || !process.stderr.isTTY))
    return { update: () => undefined, stop: () => undefined };
  const started = Date.now();
  let bar: import('cli-progress').SingleBar | undefined;
  let phase = '';
  return {
    update(done, total, phaseName) {
      const nextPhase = phaseName ? (PHASES[phaseName] ?? phaseName) : label;
      if (!bar) {
        if (!force && Date.now() - started < SHOW_AFTER_MS) return;
        const { SingleBar, Presets } = createRequire(import.meta.url)(
          'cli-progress',
        ) as typeof import('cli-progress');
        bar = new SingleBar(
          {
            format: '{phase} [{bar}] {value}/{total}',
            stream: process.stderr,
            noTTYOutput: force,
            hideCursor: true,
          },
          Presets.legacy,
        );
        bar.start(total, done, { phase: nextPhase });
        phase = nextPhase;
        return;
      }
      if (nextPhase !== phase) {
        phase = nextPhase;
        bar.setTotal(total);
      }
      bar.update(done, { phase: nextPhase });
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
