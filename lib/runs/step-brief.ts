import { type Run, type RunStep, findStep } from '../records/index.js';
import { type Workspace, readText } from '../storage/index.js';

export interface StepBriefOptions {
  /** Knowledge and past examples, already rendered as markdown sections (see `stepKnowledge`). */
  knowledge?: string;
  /** Character budget for the whole brief. */
  budget?: number;
  /** How orc is invoked, for the report-back command of external agents. */
  invocation?: string;
}

function cut(text: string, max: number): string {
  return text.length > max
    ? `${text.slice(0, Math.max(0, max - 40))}\n… (cut: ${text.length} characters in all)`
    : text;
}

/**
 * The full output of a step (from its side file when it was large; its excerpt when that is gone). The
 * side file's name comes from a record a merge may have brought, so it is read confined like any other.
 */
export function stepOutput(ws: Workspace, step: RunStep): string {
  const full = step.outputFile ? readText(ws, step.outputFile) : undefined;
  return full ?? step.output ?? '';
}

/**
 * What a step's agent gets: the run's task, its own step, the outputs of the steps it depends on, and
 * relevant knowledge, within a character budget (dependency outputs share what the rest leaves).
 * Deterministic: the same run state gives the same brief.
 */
export function buildStepBrief(
  ws: Workspace,
  run: Run,
  step: RunStep,
  options: StepBriefOptions = {},
): string {
  const budget = options.budget ?? 12_000;
  const head = [
    `# Step ${step.id} of run ${run.id}`,
    `You are agent "${step.agent}".`,
    '',
    "## The run's task",
    run.task,
    '',
    '## Your step',
    step.task,
  ].join('\n');
  const report =
    step.kind === 'external' && step.boardTask
      ? [
          '',
          '## When you are done',
          `${options.invocation ?? 'orc'} t complete ${step.boardTask} "<your output>" --agent ${step.agent}`,
          `(or: ${options.invocation ?? 'orc'} t fail ${step.boardTask} "<why>" --agent ${step.agent})`,
        ].join('\n')
      : '';
  const knowledge = options.knowledge ? `\n\n${options.knowledge}` : '';
  const deps = step.deps.map((id) => findStep(run, id)).filter((s): s is RunStep => s !== undefined);
  const fixed = head.length + report.length;
  const knowledgePart = cut(knowledge, Math.max(0, Math.floor((budget - fixed) / 3)));
  const left = Math.max(0, budget - fixed - knowledgePart.length - 100);
  const each = deps.length > 0 ? Math.floor(left / deps.length) : 0;
  const depPart = deps.length
    ? `\n\n## Outputs of the steps this one depends on\n${deps
        .map((d) => `### ${d.id} (agent ${d.agent})\n${cut(stepOutput(ws, d), Math.max(0, each - 40))}`)
        .join('\n\n')}`
    : '';
  return cut(`${head}${depPart}${knowledgePart}${report}\n`, budget);
}
