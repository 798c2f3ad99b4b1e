// The shapes of orchestrator.yaml's sections, apart from the code that reads them, so that each
// section's reader can name the others' types without importing their code.

/** An OpenAI-compatible endpoint. The key is only ever handed to the client, never written anywhere. */
export interface ProviderConfig {
  id: string;
  apiKey?: string;
  baseUrl?: string;
  model?: string;
  timeoutMs?: number;
  maxRetries?: number;
}

/** How an agent's steps run: its own command, one chat completion, or someone taking the board task. */
export type AgentKind = 'command' | 'llm' | 'external';

/** One agent of `agents:`, with the seed's fields and orc's extensions (command, timeout, retries, cwd, env). */
export interface AgentConfig {
  id: string;
  name: string;
  description: string;
  capabilities: string[];
  domain?: string;
  /** command if `command` is given; llm if it has a provider (its own or the orchestrator's); else external. */
  kind: AgentKind;
  provider?: string;
  systemPrompt?: string;
  /** `gate: true` means `after`. */
  gate?: 'before' | 'after';
  gateCriteria?: string;
  /** An argv array: never run through a shell. */
  command?: string[];
  timeoutMs?: number;
  retries?: number;
  cwd?: string;
  env?: Record<string, string>;
}

/** One step of a static flow; `task` may hold `{{payload.key}}`. */
export interface FlowStepConfig {
  id: string;
  agent: string;
  task: string;
  deps: string[];
  gate?: 'before' | 'after';
}

/** A static flow: steps from the YAML (inline or a file), chosen by id or by its trigger. */
export interface FlowConfig {
  id: string;
  /** A regular expression (source) matched against the task. */
  trigger?: string;
  steps: FlowStepConfig[];
}
