import { checkName, envValue } from '../shared/index.js';

/** Where an agent's id came from: the environment, an agent tool's session, or nowhere. */
export type IdentitySource = 'ORC_AGENT' | 'hook-input' | 'CODEX_THREAD_ID' | 'none';

export interface AgentIdentity {
  /** The agent id, a valid name (lib/shared/names.ts); null when nothing names one. */
  agent: string | null;
  source: IdentitySource;
  /** One line saying why, for `orc whoami`. */
  reason: string;
}

/** What identity needs of an agent tool's hook input (see hook-input.ts). */
export interface SessionHint {
  tool: string;
  sessionId?: string;
}

/*
 * The agent tools' session ids, as their documentation states them (checked 2026-12):
 * - Claude Code passes `session_id` in every hook's input, but puts no session id in the environment of
 *   its Bash tool (anthropics/claude-code#47018: only CLAUDECODE and CLAUDE_CODE_ENTRYPOINT are set),
 *   so a command an agent runs cannot tell its session: ORC_AGENT is the way there.
 * - Codex passes `session_id` ("current session or thread id", developers.openai.com/codex/hooks) in
 *   hook input and sets CODEX_THREAD_ID in the environment of its shell commands (openai/codex#10096),
 *   the same id: the hook and the commands an agent runs agree on the name.
 * - Cursor passes `conversation_id` in hook input; no documented environment variable.
 */

/**
 * An agent id from a session id: the tool's name and the last 12 letters or digits of the id. The end,
 * not the start: Codex ids are time-ordered (UUIDv7), so two sessions begun within a minute share a prefix.
 */
export function sessionAgentName(tool: string, sessionId: string): string | null {
  const tail = sessionId.replace(/[^A-Za-z0-9]/g, '').slice(-12);
  const name = `${tool}-${tail}`;
  return tail.length >= 4 && /^[a-z]+$/.test(tool) ? checkName('agent', name) : null;
}

/**
 * Who the caller is: `ORC_AGENT` when set (a bad one is an INVALID_INPUT error), else the agent tool's
 * session from its hook input, else its session environment (CODEX_THREAD_ID), else nobody.
 */
export function resolveAgentIdentity(env: NodeJS.ProcessEnv, hookInput?: SessionHint): AgentIdentity {
  const named = envValue(env, 'AGENT');
  if (named !== undefined && named !== '') {
    return { agent: checkName('ORC_AGENT', named), source: 'ORC_AGENT', reason: 'from $ORC_AGENT' };
  }
  if (hookInput?.sessionId) {
    const agent = sessionAgentName(hookInput.tool, hookInput.sessionId);
    if (agent) {
      return { agent, source: 'hook-input', reason: `from the ${hookInput.tool} session in the hook input` };
    }
  }
  const thread = env.CODEX_THREAD_ID;
  if (thread) {
    const agent = sessionAgentName('codex', thread);
    if (agent)
      return { agent, source: 'CODEX_THREAD_ID', reason: 'from the Codex session ($CODEX_THREAD_ID)' };
  }
  return { agent: null, source: 'none', reason: 'nobody: set ORC_AGENT or pass --agent' };
}
