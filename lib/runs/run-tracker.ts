import { type ActorOptions, type Mutation, type Workspace, changeStamp, mutate } from '../storage/index.js';
import { type Run, type RunStep, type StepFile, copyRun, findStep, stepPositions } from '../records/index.js';
import { notFound, quote } from '../shared/index.js';
import { recordTransition } from './runs.js';
import { type StoredRun, loadRun, readStepFileIn, readStoredRun, runFile } from './run-store.js';
import {
  type RunTransition,
  type StepOutcome,
  applyStepOutcomes,
  requeueRunStep,
  startRunSteps,
} from './run-transitions.js';

/*
 * The run as its runner sees it: kept in memory, so that a step transition reads and writes that
 * step, not the run. Everyone else who changes a run (a decision, a cancel) rewrites its header
 * (see saveRun), and so does a transition that changes the run's status; the tracker reads the whole
 * run again only when the header's change stamp (inode, size, mtime) is not the one it read. Inside
 * each transition's critical section it also reads the files of the steps it moves, so a step changed
 * by a merge is not overwritten from memory.
 */
export class RunTracker {
  /**
   * Critical sections (workspace mutations) made by every tracker of this process: what a step costs
   * in locks and journaled commits, counted for the tests (one per step that ends, at concurrency 1).
   */
  static movesMade = 0;
  private stored: StoredRun;
  /** Moves run one at a time, each after the last one's commit (what it read is what it left). */
  private queue: Promise<unknown> = Promise.resolve();
  /** The header's change stamp when the run was read; undefined after this runner rewrote it. */
  private stamp: string | undefined;

  private constructor(
    readonly ws: Workspace,
    readonly id: string,
    stored: StoredRun,
    stamp: string | undefined,
  ) {
    this.stored = stored;
    this.stamp = stamp;
  }

  /** Reads the run (outside the lock: the first transition checks it again). */
  static open(ws: Workspace, id: string): RunTracker {
    const stamp = changeStamp(ws, runFile(ws, id));
    const run = loadRun(ws, id);
    if (!run) throw notFound(`run ${quote(id)} not found`);
    return new RunTracker(ws, id, { run, format: run.v }, stamp);
  }

  /** The run as last read or moved by this runner; shared, never to be changed by the caller. */
  get run(): Run {
    return this.stored.run;
  }

  /** The run, read again only if someone else changed its header since (one stat when no one did). */
  poll(): Run {
    const stamp = changeStamp(this.ws, runFile(this.ws, this.id));
    if (stamp !== this.stamp) {
      const run = loadRun(this.ws, this.id);
      if (!run) throw notFound(`run ${quote(this.id)} not found (removed meanwhile?)`);
      this.stored = { run, format: run.v };
      this.stamp = stamp;
    }
    return this.stored.run;
  }

  /** Marks startable steps running (see startRunSteps); returns those the caller should run now. */
  async start(stepIds: readonly string[], actor: string | ActorOptions): Promise<RunStep[]> {
    const transition = await this.move(actor, stepIds, (run, now) => startRunSteps(run, stepIds, now));
    return transition.started;
  }

  /** Records how running steps ended (see applyStepOutcomes). */
  async settle(outcomes: readonly StepOutcome[], actor: string | ActorOptions): Promise<Run> {
    const ids = outcomes.map((o) => o.step);
    return (await this.move(actor, ids, (run, now) => applyStepOutcomes(run, outcomes, now))).run;
  }

  /**
   * Records how running steps ended and, in the same critical section, starts the steps `choose`
   * picks from the run that follows (stepsToStart): a runner moves on with one write of the workspace
   * per step that ends, not two. Returns the run and the steps the caller should run now.
   */
  async advance(
    outcomes: readonly StepOutcome[],
    choose: (run: Run) => readonly string[],
    actor: string | ActorOptions,
  ): Promise<{ run: Run; started: RunStep[] }> {
    const ids = outcomes.map((o) => o.step);
    const transition = await this.move(actor, ids, (run, now) => {
      const settled = applyStepOutcomes(run, outcomes, now);
      const next = startRunSteps(settled.run, choose(settled.run), now);
      return {
        run: next.run,
        events: [...settled.events, ...next.events],
        changed: [...settled.changed, ...next.changed],
        files: settled.files,
        started: next.started,
      };
    });
    return { run: transition.run, started: transition.started };
  }

  /** A step left running by a runner that died goes back to pending (see requeueRunStep). */
  async requeue(stepId: string, actor: string | ActorOptions): Promise<Run> {
    return (await this.move(actor, [stepId], (run, now) => requeueRunStep(run, stepId, now))).run;
  }

  private move<T extends RunTransition>(
    actor: string | ActorOptions,
    touched: readonly string[],
    apply: (run: Run, now: Date) => T,
  ): Promise<T> {
    const moved = this.queue.then(() => this.moveNow(actor, touched, apply));
    this.queue = moved.catch(() => undefined);
    return moved;
  }

  private async moveNow<T extends RunTransition>(
    actor: string | ActorOptions,
    touched: readonly string[],
    apply: (run: Run, now: Date) => T,
  ): Promise<T> {
    let before: StoredRun | undefined;
    RunTracker.movesMade++;
    const transition = await mutate(this.ws, actor, (m) => {
      before = this.current(m, touched);
      const t = apply(before.run, m.now);
      recordTransition(m, before, t);
      return t;
    });
    if (transition.changed.length > 0) {
      // A header this runner wrote is read again at the next poll: the stamp after the commit is not known here.
      const was = before!;
      if (
        was.format === 1 ||
        was.run.status !== transition.run.status ||
        was.run.endedAt !== transition.run.endedAt
      )
        this.stamp = undefined;
      this.stored = { run: transition.run, format: 2 };
    }
    return transition;
  }

  /** Inside the lock: the run read again if its header changed, with the touched steps' files read. */
  private current(m: Mutation, touched: readonly string[]): StoredRun {
    const stamp = changeStamp(m.ws, runFile(m.ws, this.id));
    if (stamp !== this.stamp || this.stored.format === 1) {
      this.stored = readStoredRun(m, this.id);
      this.stamp = stamp;
      return this.stored;
    }
    let run: Run | undefined;
    for (const id of touched) {
      const file = readStepFileIn(m, this.id, id);
      const step = findStep(this.stored.run, id);
      if (!file || !step || sameState(step, file)) continue;
      run ??= copyRun(this.stored.run);
      const { v: _v, id: _id, updatedAt: _at, ...state } = file;
      run.steps[stepPositions(run).get(id)!] = { ...step, ...state };
    }
    // A new steps array: what the old one's indexes said of the patched steps may no longer hold.
    if (run) this.stored = { run: { ...run, steps: run.steps.slice() }, format: 2 };
    return this.stored;
  }
}

function sameState(step: RunStep, file: StepFile): boolean {
  for (const [field, value] of Object.entries(file)) {
    if (field === 'v' || field === 'updatedAt') continue;
    const mine = (step as unknown as Record<string, unknown>)[field];
    if (mine !== value && JSON.stringify(mine) !== JSON.stringify(value)) return false;
  }
  return true;
}
