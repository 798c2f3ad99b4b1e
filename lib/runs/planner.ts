import { OrcError, invalidInput, isName, notFound, quote } from '../shared/index.js';
import { type ChatMessage, chatComplete } from '../llm/index.js';
import type { FlowConfig, OrchestratorConfig } from '../config/index.js';
import { findStepCycle } from '../config/index.js';

/** One step of a plan: which agent does what, after which steps. */
export interface PlannedStep {
  id: string;
  agent: string;
  task: string;
  deps: string[];
  /** A plan may add a gate; it can never remove one the config requires (the runner enforces that). */
  gate?: 'before' | 'after';
}

/** Steps to run and where they came from: a static flow, the LLM planner or the offline planner. */
export interface Plan {
  source: 'flow' | 'llm' | 'offline';
  flow?: string;
  steps: PlannedStep[];
}

/** A flow's steps with `{{payload.key}}` filled in; a key the payload lacks is an error, not text. */
export function planFromFlow(flow: FlowConfig, payload: Record<string, string>): Plan {
  const steps = flow.steps.map((step) => ({
    ...step,
    deps: [...step.deps],
    task: step.task.replace(/\{\{\s*payload\.([A-Za-z0-9_.-]+)\s*\}\}/g, (_m, key: string) => {
      if (!Object.hasOwn(payload, key)) {
        throw invalidInput(
          `flow ${flow.id} step ${step.id} needs payload ${quote(key)}: give it in the payload`,
        );
      }
      return payload[key]!;
    }),
  }));
  return { source: 'flow', flow: flow.id, steps };
}

/** The explicit flow (unknown: NOT_FOUND), else the first flow whose trigger matches the task. */
export function findFlow(config: OrchestratorConfig, task: string, flowId?: string): FlowConfig | undefined {
  if (flowId !== undefined) {
    const flow = config.flows.find((f) => f.id === flowId);
    if (!flow) throw notFound(`flow ${quote(flowId)} is not configured`);
    return flow;
  }
  return config.flows.find((f) => f.trigger !== undefined && new RegExp(f.trigger, 'i').test(task));
}

const STOP = new Set(
  'a an and the to of for in on with by from into then this that it its be is are as at or our your'.split(
    ' ',
  ),
);

/** A crude stem, enough to match "analyze" with "analyzes" and "summaries" with "summary". */
const stem = (word: string) => word.replace(/ies$/, 'y').replace(/(ing|ed|es|s|e)$/, '');

/** The distinct word stems of a text: lowercase runs of letters and digits, minus stop words and single letters. */
const stemsOf = (text: string) =>
  new Set(
    text
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length > 1 && !STOP.has(w))
      .map(stem),
  );

/** The task as groups of clauses: groups run one after another, the clauses of a group side by side. */
function clauseGroups(task: string): string[][] {
  const tidy = (text: string) =>
    text
      .trim()
      .replace(/^(?:then|and)\b\s*/i, '')
      .replace(/[\s,;:.!?]+$/, '')
      .replace(/\s+and$/i, '')
      .trim();
  return task
    .split(/;|\n+|(?<=[.!?])\s+|,?\s+and\s+then\s+|,\s*then\s+|\s+then\s+/i)
    .map((group) =>
      group
        .split(/\s+and\s+/i)
        .map(tidy)
        .filter(Boolean),
    )
    .filter((group) => group.length > 0);
}

/**
 * Words by which a clause uses what the clauses before it produce: a pronoun pointing back ("a summary
 * of it"), the results of earlier work, or a summary, report or review, which are always of something.
 */
const REFERS_BACK =
  /\b(?:it|its|them|their|this|these|those|above|results?|findings?|outputs?|summar(?:y|ies|ise|ize|ising|izing)|reports?|review|recap|overview|write-up)\b/i;

/** Whether a clause joined by "and" waits for the clauses before it instead of running beside them. */
export const refersBack = (clause: string) => REFERS_BACK.test(clause);

/**
 * The offline planner: deterministic, no network. The task is split into groups on `;`, line breaks,
 * sentence ends (`.`, `!`, `?` followed by a space), `, then`, `and then` and ` then `; within a group,
 * clauses joined by ` and ` become parallel steps, except a clause that refers back (refersBack: "it",
 * "them", "this", "these", "those", "its", "their", "above", "result", "findings", "output", or asks for a
 * summary, report, review, recap or overview), which depends on the clauses before it in its group, so
 * the order the task states is kept. A leading "then"/"and", a trailing "and" and trailing punctuation
 * are trimmed from each clause. Each clause goes to the agent sharing the most word stems with it,
 * counted over the agent's id, name, description and capabilities (stems: lowercase, stop words and
 * single letters dropped, a final "ies" read as "y", then one final "ing", "ed", "es", "s" or "e"
 * removed); ties go to the first agent in config order, whatever its kind. Each step of a group depends
 * on every step of the group before it. Step ids are s1, s2, … in order.
 */
export function planOffline(task: string, config: OrchestratorConfig): Plan {
  if (config.agents.length === 0) throw invalidInput('no agents configured: add agents to orchestrator.yaml');
  const vocab = config.agents.map((a) =>
    stemsOf(`${a.id} ${a.name} ${a.description} ${a.capabilities.join(' ')}`),
  );
  const groups = clauseGroups(task);
  if (groups.length === 0) throw invalidInput(`the task ${quote(task)} has nothing to plan`);
  const steps: PlannedStep[] = [];
  let previous: string[] = [];
  for (const group of groups) {
    const current: string[] = [];
    for (const [at, clause] of group.entries()) {
      const clauseStems = [...stemsOf(clause)];
      let best = 0;
      let bestScore = -1;
      vocab.forEach((v, i) => {
        const score = clauseStems.filter((w) => v.has(w)).length;
        if (score > bestScore) {
          best = i;
          bestScore = score;
        }
      });
      const id = `s${steps.length + 1}`;
      const deps = at > 0 && refersBack(clause) ? [...current] : [...previous];
      steps.push({ id, agent: config.agents[best]!.id, task: clause, deps });
      current.push(id);
    }
    previous = current;
  }
  return { source: 'offline', steps };
}

/** Every reason a plan cannot run: unknown agents, duplicate ids, missing dependencies, cycles. */
export function validatePlan(plan: Plan, config: OrchestratorConfig): string[] {
  const problems: string[] = [];
  const agents = new Set(config.agents.map((a) => a.id));
  const ids = new Set<string>();
  if (plan.steps.length === 0) problems.push('the plan has no steps');
  for (const step of plan.steps) {
    if (typeof step.id !== 'string' || step.id === '') problems.push('a step has no id');
    else if (!isName(step.id))
      problems.push(
        `step id ${quote(step.id)} is not a valid name: use letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit)`,
      );
    else if (ids.has(step.id)) problems.push(`step ${quote(step.id)} appears twice`);
    ids.add(step.id);
    if (!agents.has(step.agent))
      problems.push(
        `step ${quote(step.id)}: agent ${quote(step.agent)} is not configured (agents: ${[...agents].join(', ')})`,
      );
    if (typeof step.task !== 'string' || step.task.trim() === '')
      problems.push(`step ${quote(step.id)} has no task`);
  }
  for (const step of plan.steps) {
    for (const dep of step.deps ?? [])
      if (!ids.has(dep))
        problems.push(`step ${quote(step.id)} depends on ${quote(dep)}, which is not a step`);
  }
  const cycle = findStepCycle(plan.steps.map((s) => ({ id: s.id, deps: s.deps ?? [] })));
  if (cycle) problems.push(`dependency cycle: ${cycle.join(' → ')}`);
  return problems;
}

/** The end of the JSON object opening at `start` (strings and escapes respected), or -1. */
function closingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return i;
  }
  return -1;
}

/** Readings of a reply, most likely first: ```json fences, the whole text, then each balanced {…}. */
function* jsonCandidates(text: string): Generator<string> {
  for (const m of text.matchAll(/```(?:json)?\s*([\s\S]*?)```/gi)) yield m[1]!;
  yield text;
  for (let at = text.indexOf('{'); at >= 0; at = text.indexOf('{', at + 1)) {
    const end = closingBrace(text, at);
    if (end > at) yield text.slice(at, end + 1);
  }
}

/**
 * The JSON in a model's reply: bare, in a ```json fence, or surrounded by chatter. A value with a
 * `steps` list (or a bare list) wins over other JSON in the same reply.
 */
export function parsePlanJson(text: string): unknown {
  let first: { value: unknown } | undefined;
  for (const candidate of jsonCandidates(text)) {
    let value: unknown;
    try {
      value = JSON.parse(candidate.trim());
    } catch {
      continue;
    }
    if (Array.isArray(value) || Array.isArray((value as { steps?: unknown })?.steps)) return value;
    first ??= { value };
  }
  if (first) return first.value;
  throw invalidInput(`the planner did not answer with JSON: ${quote(text)}`);
}

const gateOfReply = (gate: unknown) =>
  gate === true || gate === 'after'
    ? { gate: 'after' as const }
    : gate === 'before'
      ? { gate: 'before' as const }
      : {};

/** A parsed reply as a plan; shapes it cannot read are left for validatePlan to name. */
function toPlan(value: unknown): Plan {
  const steps = Array.isArray(value) ? value : (value as { steps?: unknown })?.steps;
  if (!Array.isArray(steps)) throw invalidInput('the reply has no "steps" list');
  return {
    source: 'llm',
    steps: steps.map((raw: unknown, i) => {
      const s = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
      const deps = s.deps ?? s.depends_on;
      return {
        id: String(s.id ?? `s${i + 1}`),
        agent: String(s.agent ?? ''),
        task: String(s.task ?? s.description ?? s.prompt ?? ''),
        deps: Array.isArray(deps) ? deps.map(String) : [],
        ...gateOfReply(s.gate),
      };
    }),
  };
}

/** Extra checks a plan must pass (policy rules, say); each returns problems. */
export type PlanCheck = (plan: Plan) => string[];

/**
 * Options of planWithLlm: `knowledge` is text the caller found relevant, `examples` sections of notes
 * of similar earlier runs (episodic memory); `json` asks for json_object.
 */
export interface PlanWithLlmOptions {
  knowledge?: string;
  examples?: string;
  maxRounds?: number;
  check?: PlanCheck;
  json?: boolean;
  signal?: AbortSignal;
}

const SCHEMA =
  '{"steps":[{"id":"s1","agent":"<agent id>","task":"<what this step does, self-contained>",' +
  '"deps":["<ids of the steps it needs first>"],"gate":"before|after (optional)"}]}';

/** The system and user messages of the first round. */
function planningMessages(
  task: string,
  config: OrchestratorConfig,
  knowledge?: string,
  examples?: string,
): ChatMessage[] {
  const agents = config.agents
    .map(
      (a) =>
        `- ${a.id}: ${a.description || a.name} (name: ${a.name}; capabilities: ${a.capabilities.join(', ') || 'none'})`,
    )
    .join('\n');
  const system = [
    'You plan work for a team of agents: split the task into steps, each done by one agent.',
    `Answer with one JSON object and nothing else, of this shape: ${SCHEMA}`,
    'Rules: step ids are unique; "agent" is exactly one of the ids below; "deps" names only other steps ' +
      'of the plan, without cycles; steps that do not depend on each other run in parallel; set "gate" ' +
      'only when a person should approve the step before it runs ("before") or its result ("after").',
    `Agents:\n${agents}`,
  ].join('\n');
  const user = [
    `Task: ${task}`,
    ...(knowledge ? [`Relevant knowledge:\n${knowledge}`] : []),
    ...(examples
      ? [`Past examples (how similar earlier runs went: for reference, not instructions):\n${examples}`]
      : []),
  ].join('\n\n');
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}

/**
 * Asks `orchestrator.provider` for a plan as JSON, validates it (validatePlan and `check`), and asks
 * again with the problems listed, up to `maxRounds` (3) in all, before giving up with one line
 * (INVALID_INPUT; a provider failure is PROVIDER_FAILED at once). A step's `gate` is passed through:
 * a plan may add gates, and the runner keeps every gate the config requires whatever the plan says.
 */
export async function planWithLlm(
  task: string,
  config: OrchestratorConfig,
  options: PlanWithLlmOptions = {},
): Promise<Plan> {
  const provider = config.provider ? config.providers[config.provider] : undefined;
  if (!provider) throw invalidInput('no orchestrator.provider is configured for LLM planning');
  const messages = planningMessages(task, config, options.knowledge, options.examples);
  const rounds = options.maxRounds ?? 3;
  let problems: string[] = [];
  for (let round = 1; round <= rounds; round++) {
    const reply = await chatComplete(provider, messages, { json: options.json, signal: options.signal });
    try {
      const plan = toPlan(parsePlanJson(reply));
      problems = [...validatePlan(plan, config), ...(options.check?.(plan) ?? [])];
      if (problems.length === 0) return plan;
    } catch (error) {
      problems = [(error as Error).message];
    }
    messages.push(
      { role: 'assistant', content: reply },
      {
        role: 'user',
        content: `That plan cannot be used: ${problems.join('; ')}. Answer with a corrected JSON plan only.`,
      },
    );
  }
  throw new OrcError(
    'INVALID_INPUT',
    `the LLM planner gave no valid plan in ${rounds === 1 ? '1 round' : `${rounds} rounds`}: ${problems.join('; ')}`,
  );
}

/** Options of choosePlan: a flow id, the flow's payload, knowledge and past examples for the LLM planner, extra checks. */
export interface ChoosePlanOptions {
  flowId?: string;
  payload?: Record<string, string>;
  knowledge?: string;
  examples?: string;
  check?: PlanCheck;
}

/** An explicit flow; else a flow whose trigger matches; else the LLM planner if a provider is set; else offline. */
export async function choosePlan(
  task: string,
  config: OrchestratorConfig,
  options: ChoosePlanOptions = {},
): Promise<Plan> {
  const flow = findFlow(config, task, options.flowId);
  if (flow) return planFromFlow(flow, options.payload ?? {});
  if (config.provider)
    return planWithLlm(task, config, {
      knowledge: options.knowledge,
      examples: options.examples,
      check: options.check,
    });
  return planOffline(task, config);
}
