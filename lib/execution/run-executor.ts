import { hostname } from 'node:os';
import { consolidateRun } from '../memory/index.js';
import { OrcError } from '../shared/index.js';
import type { OrchestratorConfig } from '../config/index.js';
import { RunTracker, acquireRunLease, releaseRunLease } from '../runs/index.js';
import { type Run, type RunStep, TERMINAL_RUN, isStartable } from '../records/index.js';
import { type StepOutcome, getRun, stepsToStart } from '../runs/index.js';
import { stepKnowledge } from '../knowledge/index.js';
import { buildStepBrief } from '../runs/index.js';
import { StepFailure, runCommandStep, runLlmStep, waitExternalStep } from '../runs/index.js';
import type { Workspace } from '../storage/index.js';
import type { RemoteSteps } from './remote-steps.js';
import { sleep } from '../shared/index.js';

export interface ExecuteRunOptions {
  config: OrchestratorConfig;
  /** Called with the run after every transition this runner makes or sees. */
  onProgress?: (run: Run) => void;
  /** How often to look for cancels, approvals and external results (ms). */
  pollMs?: number;
  /** Wait this long for another runner of the run to finish before giving up (ms). */
  waitForLeaseMs?: number;
  /**
   * Knowledge for a step's brief, rendered as markdown sections; by default relevant knowledge and past
   * examples from the knowledge base (`stepKnowledge`), degrading to none if the search fails.
   */
  knowledgeFor?: (text: string) => Promise<string>;
  invocation?: string;
  /** Told about things that degraded without failing the run (a consolidation fallback). */
  onWarning?: (message: string) => void;
}

async function leaseOrWait(ws: Workspace, runId: string, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const holder = await acquireRunLease(ws, runId);
    if (!holder) return;
    if (Date.now() >= deadline) {
      throw new OrcError('CONFLICT', `run ${runId} is being run by process ${holder.pid} on ${holder.host}`);
    }
    await sleep(100);
  }
}

/**
 * Runs a run's steps until nothing more can move: every step whose dependencies are done starts at
 * once, up to the run's concurrency. Returns when the run has ended or waits for approval. Holds the
 * run's lease throughout, so one process at a time runs a run. Steps left `running` by a runner that
 * died are run again (at-least-once); steps that are done are never repeated.
 */
export async function executeRun(ws: Workspace, runId: string, options: ExecuteRunOptions): Promise<Run> {
  const runner = `runner@${hostname()}:${process.pid}`;
  await leaseOrWait(ws, runId, options.waitForLeaseMs ?? 0);
  const active = new Map<string, { done: Promise<void>; abort: AbortController }>();
  const agents = new Map(options.config.agents.map((a) => [a.id, a]));
  // The run in memory: a transition reads and writes its steps, not the run (see RunTracker).
  let tracker: RunTracker;
  try {
    tracker = RunTracker.open(ws, runId);
  } catch (error) {
    await releaseRunLease(ws, runId);
    throw error;
  }
  const report = () => options.onProgress?.(tracker.run);
  const knowledgeFor = options.knowledgeFor ?? stepKnowledgeOrNothing(ws, options);
  // With `redis:` configured, command and LLM steps go to `orc worker` processes (remote-steps.ts).
  let remote: RemoteSteps | undefined;
  // Outcomes that arrive together are recorded in one critical section, which also starts the steps
  // they free (one write of the workspace per step that ends, see RunTracker.advance).
  const outcomes: StepOutcome[] = [];
  // Steps whose outcome is recorded but whose slot `active` still holds (their promise is ending).
  const ended = new Set<string>();
  let flushing: Promise<void> | undefined;
  const settle = (outcome: StepOutcome): Promise<void> => {
    outcomes.push(outcome);
    flushing ??= (async () => {
      while (outcomes.length > 0) {
        // Other steps whose processes have ended meanwhile are waiting in the event loop: one turn
        // lets them join this batch, so steps that end together cost one critical section, not one each.
        if (active.size > ended.size + outcomes.length) await new Promise((resolve) => setImmediate(resolve));
        const batch = outcomes.splice(0);
        for (const o of batch) ended.add(o.step);
        const busy = () => new Set([...active.keys()].filter((id) => !ended.has(id)));
        const { started } = await tracker.advance(
          batch,
          (run) => stepsToStart(run, busy()).map((s) => s.id),
          runner,
        );
        for (const step of started) launch(step, tracker.run);
      }
    })().finally(() => {
      flushing = undefined;
    });
    return flushing;
  };
  const launch = (step: RunStep, current: Run) => {
    const abort = new AbortController();
    const done = (async () => {
      try {
        const knowledge = await knowledgeFor(`${current.task}\n${step.task}`);
        const ctx = {
          ws,
          run: current,
          step,
          agent: agents.get(step.agent),
          config: options.config,
          brief: buildStepBrief(ws, current, step, { knowledge, invocation: options.invocation }),
          signal: abort.signal,
        };
        const output =
          remote && step.kind !== 'external'
            ? await remote.run(ctx)
            : step.kind === 'command'
              ? await runCommandStep(ctx)
              : step.kind === 'llm'
                ? await runLlmStep(ctx)
                : await waitExternalStep(ctx);
        await settle({ step: step.id, output });
      } catch (error) {
        if (abort.signal.aborted) return;
        const message =
          error instanceof StepFailure ? error.message : `unexpected: ${(error as Error)?.message}`;
        await settle({ step: step.id, error: message });
      }
      report();
    })().finally(() => {
      active.delete(step.id);
      ended.delete(step.id);
    });
    active.set(step.id, { done, abort });
  };
  try {
    let run = tracker.poll();
    if (options.config.redis) remote = await openRemote(run, options);
    const reattached: RunStep[] = [];
    for (const step of run.steps.filter((s) => s.status === 'running')) {
      // A step whose job is still queued (or already finished) is awaited, not run again.
      if (remote && step.kind !== 'external' && (await remote.hasJob(runId, step))) reattached.push(step);
      else await tracker.requeue(step.id, runner);
    }
    for (const step of reattached) launch(step, tracker.run);
    for (;;) {
      run = tracker.poll();
      if (run.status === 'cancelled') {
        for (const { abort } of active.values()) abort.abort();
        await Promise.all([...active.values()].map((a) => a.done));
        break;
      }
      // Steps waiting at a `before` gate take no slot; the others fill the free slots, all in one go.
      const toStart = stepsToStart(run, new Set(active.keys()));
      if (toStart.length > 0) {
        const started = await tracker.start(
          toStart.map((s) => s.id),
          runner,
        );
        report();
        for (const step of started) launch(step, tracker.run);
      }
      if (active.size === 0) {
        run = tracker.poll();
        if (TERMINAL_RUN.has(run.status) || !run.steps.some((s) => isStartable(run, s))) break;
        continue;
      }
      await Promise.race([...[...active.values()].map((a) => a.done), sleep(options.pollMs ?? 200)]);
    }
    const final = getRun(ws, runId);
    const note = await consolidateRun(ws, final, options.config, runner);
    if (note?.warning) options.onWarning?.(note.warning);
    return final;
  } finally {
    await remote?.close();
    await releaseRunLease(ws, runId);
  }
}

/** The queues of the run's command and LLM agents; BullMQ loads only here. */
async function openRemote(run: Run, options: ExecuteRunOptions): Promise<RemoteSteps> {
  const { openRemoteSteps } = await import('./remote-steps.js');
  const agents = run.steps.filter((s) => s.kind !== 'external').map((s) => s.agent);
  return openRemoteSteps(options.config.redis!, agents, { onWarning: options.onWarning });
}

/** The default knowledge of step briefs; a knowledge base that cannot be searched is a warning, not a failed step. */
function stepKnowledgeOrNothing(ws: Workspace, options: ExecuteRunOptions) {
  const hook = stepKnowledge(ws, { actor: 'orc', onWarning: options.onWarning });
  return async (text: string) => {
    try {
      return await hook(text);
    } catch (error) {
      options.onWarning?.(`no knowledge in the brief: ${(error as Error).message}`);
      return '';
    }
  };
}
