import { basename, dirname, isAbsolute } from 'node:path';
import { OrcError } from '../shared/index.js';
import { appendText, readText } from '../storage/index.js';
import type { AgentTool } from './hook-input.js';
import { resolveAgentIdentity } from './identity.js';

/*
 * Claude Code runs no command with its session id in the environment, but a SessionStart hook gets
 * CLAUDE_ENV_FILE: `export` lines appended to it are set for every Bash command of the session
 * (code.claude.com/docs/en/hooks, "Persisting environment variables"). `orc hook session-start` writes
 * `export ORC_AGENT=<agent>` there, so the commands an agent runs (`orc t next`, `orc whoami`) know the
 * same agent the pre-edit hook knows, and `--agent` becomes optional.
 */

export interface SessionStartResult {
  agent: string | null;
  /** The env file written to, when one was given and it did not already say so. */
  exported?: string;
  warnings: string[];
}

/** The line that sets ORC_AGENT (agent ids are names: no quoting needed, see lib/shared/names.ts). */
export const exportLine = (agent: string) => `export ORC_AGENT=${agent}\n`;

/**
 * The SessionStart hook: resolves the agent from ORC_AGENT or the session id of the hook input, and
 * exports it through CLAUDE_ENV_FILE when the tool gave one. Never fails: a session must start whatever
 * orc thinks (problems come back as warnings).
 */
export function startSession(stdin: string, tool: AgentTool, env: NodeJS.ProcessEnv): SessionStartResult {
  let sessionId: string | undefined;
  try {
    const raw = JSON.parse(stdin) as Record<string, unknown> | null;
    const id = raw?.session_id ?? raw?.conversation_id;
    if (typeof id === 'string' && id !== '') sessionId = id;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  try {
    const identity = resolveAgentIdentity(env, { tool, sessionId });
    const file = env.CLAUDE_ENV_FILE;
    if (!identity.agent || !file || !isAbsolute(file)) {
      return { agent: identity.agent, warnings: identity.agent ? [] : [identity.reason] };
    }
    const folder = { root: dirname(file) };
    const line = exportLine(identity.agent);
    if (readText(folder, basename(file))?.includes(line)) return { agent: identity.agent, warnings: [] };
    appendText(folder, basename(file), line, { separate: true });
    return { agent: identity.agent, exported: file, warnings: [] };
  } catch (error) {
    if (!(error instanceof OrcError)) throw error;
    return { agent: null, warnings: [error.message] };
  }
}

/**
 * What a session-start hook prints on stdout for the tools that read JSON there: the primer as context
 * and, for Cursor, the agent id for the session's environment (cursor.com/docs/hooks, sessionStart:
 * `additional_context`, `env`; geminicli.com/docs/hooks/reference, SessionStart:
 * `hookSpecificOutput.additionalContext`). Claude Code takes the primer from its own `orc prime` hook
 * and the agent from CLAUDE_ENV_FILE, so nothing is printed for it.
 */
export function sessionStartReply(
  tool: AgentTool,
  agent: string | null,
  primer: string | undefined,
): Record<string, unknown> | undefined {
  if (tool === 'cursor') {
    return {
      ...(agent ? { env: { ORC_AGENT: agent } } : {}),
      ...(primer ? { additional_context: primer } : {}),
    };
  }
  if (tool === 'gemini') {
    return primer ? { hookSpecificOutput: { hookEventName: 'SessionStart', additionalContext: primer } } : {};
  }
  return undefined;
}
