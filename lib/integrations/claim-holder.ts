/** What is known of a caller who finishes a task without naming an agent or token. */
export interface ClaimHolderHint {
  /** The caller's agent id when something names it (resolveAgentIdentity), else null. */
  identity: string | null;
  /** The agent holding the task's live claim, if any. */
  holder?: string;
  /** Every registered agent's id, live or stale. */
  agents: readonly string[];
}

/**
 * Who a caller is, as a claim holder, when it gave neither `--agent` nor `--token` (pure): its own
 * identity when known; else the claim's holder when that is the only registered agent, since then
 * the caller can be no other agent (a board with one agent is the seed's quick start, run from that
 * agent's shell); else undefined, and the board asks who the caller is.
 */
export function inferClaimHolder(hint: ClaimHolderHint): string | undefined {
  if (hint.identity !== null) return hint.identity;
  const only = hint.agents.length === 1 ? hint.agents[0] : undefined;
  return hint.holder !== undefined && hint.holder === only ? only : undefined;
}
