import { optionalWholeNumber } from '../options.js';
import { type Context, c, print, printJson, warn } from '../output.js';
import { open } from './workspace.js';
import type { WorkerJobEvent } from '../../lib/cli.js';
import { subsystems } from '../../lib/cli.js';

const { loadOrchestratorConfig, redactedUrl } = await subsystems.config();
const { startWorker } = await subsystems.execution();

function jobLine(e: WorkerJobEvent): string {
  const what = `${e.job} run ${e.run} step ${e.step} agent ${e.agent}${e.attempt > 1 ? ` attempt ${e.attempt}` : ''}`;
  const took = e.ms === undefined ? '' : ` in ${(e.ms / 1000).toFixed(2)}s`;
  const label =
    e.event === 'done'
      ? c.green('done')
      : e.event === 'failed'
        ? c.red('failed')
        : e.event === 'returned'
          ? c.yellow('returned')
          : 'started';
  return `${c.gray(new Date().toISOString())} ${label} ${what}${took}${e.error ? `: ${e.error}` : ''}`;
}

/**
 * Serves the queues of the given agents until SIGTERM or SIGINT: the first finishes the jobs in hand
 * and exits 0; a second puts them back in their queue for another worker.
 */
export async function worker(ctx: Context, opts: { agents?: string[]; concurrency?: string }) {
  const concurrency = optionalWholeNumber('--concurrency', opts.concurrency, 1, 256);
  const ws = open(ctx);
  const config = loadOrchestratorConfig(ws);
  const running = await startWorker(ws, config, {
    agents: opts.agents,
    concurrency,
    onJob: (e) => (ctx.json ? printJson({ ...e, at: new Date().toISOString() }) : print(jobLine(e))),
    onWarning: (message) => warn(ctx, message, 'DEGRADED'),
  });
  const where = redactedUrl(config.redis!.url);
  if (ctx.json) printJson({ event: 'ready', agents: running.agents, concurrency: concurrency ?? 1 });
  else
    print(
      `worker ${process.pid} serving ${running.agents.join(', ')} (concurrency ${concurrency ?? 1}) through ${where}`,
    );
  await new Promise<void>((resolve) => {
    let signals = 0;
    const stop = (signal: NodeJS.Signals) => {
      signals++;
      const returnJobs = signals > 1;
      if (ctx.json) printJson({ event: 'stopping', signal, returnJobs });
      else
        print(returnJobs ? `${signal}: returning the jobs in hand` : `${signal}: finishing the jobs in hand`);
      running.close({ returnJobs }).then(resolve, resolve);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  if (ctx.json) printJson({ event: 'stopped' });
  else print('stopped');
}
