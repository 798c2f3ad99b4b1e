import { readFileSync } from 'node:fs';
import type { Context } from '../output.js';
import { subsystems } from '../../lib/cli.js';

// `orc hook pre-edit` runs before every edit an agent makes, so it loads the least it can: the shared,
// storage and integrations layers (the board only when --auto-lock takes a lock), and no commander
// when reached through the fast path of bin/orc.ts.
const { AGENT_TOOLS, checkPreEdit, hookReply, sessionStartReply, startSession } =
  await subsystems.integrations();
const { parseDuration } = await subsystems.shared();

type AgentTool = (typeof AGENT_TOOLS)[number];

export interface PreEditFlags {
  tool?: string;
  autoLock?: string;
  dir?: string;
}

/** The hook input: one read of fd 0 (a pipe from the agent tool), cheaper than a stream. */
async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  try {
    return readFileSync(0, 'utf8');
  } catch (error) {
    // A non-blocking stdin (some spawners set O_NONBLOCK) is read as a stream instead.
    if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Runs the pre-edit hook and prints its reply by the agent tool's convention; returns the exit code.
 * A bad flag is orc's own failure too: the edit is allowed, with a warning on stderr.
 */
export async function runPreEdit(flags: PreEditFlags): Promise<number> {
  const warnings: string[] = [];
  let tool: AgentTool | undefined;
  if (flags.tool !== undefined) {
    if ((AGENT_TOOLS as readonly string[]).includes(flags.tool)) tool = flags.tool as AgentTool;
    else warnings.push(`--tool ${JSON.stringify(flags.tool)} is not one of ${AGENT_TOOLS.join(', ')}`);
  }
  let autoLockTtlMs: number | undefined;
  try {
    autoLockTtlMs = flags.autoLock === undefined ? undefined : parseDuration(flags.autoLock, '--auto-lock');
  } catch (error) {
    warnings.push(`${(error as Error).message}: no lock taken`);
  }
  const input = await readStdin();
  const verdict = await checkPreEdit(input, {
    tool,
    env: process.env,
    cwd: process.cwd(),
    dir: flags.dir,
    autoLockTtlMs,
  });
  verdict.warnings.unshift(...warnings);
  const reply = hookReply(verdict, tool);
  if (reply.stdout) process.stdout.write(reply.stdout);
  if (reply.stderr) process.stderr.write(reply.stderr);
  return reply.exitCode;
}

/** The fast path's parser: `pre-edit [--tool t] [--auto-lock ttl] [--dir d]` (also `--flag=value`). */
export function runHookArgs(argv: string[]): Promise<number> {
  const flags: PreEditFlags = {};
  const names: Record<string, keyof PreEditFlags> = {
    '--tool': 'tool',
    '--auto-lock': 'autoLock',
    '--dir': 'dir',
  };
  for (let i = 1; i < argv.length; i++) {
    const [name, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const key = names[name];
    if (key) flags[key] = inline ?? argv[++i];
  }
  return runPreEdit(flags);
}

/** `orc hook pre-edit` reached through commander (`orc --dir x hook pre-edit`). */
export async function preEdit(ctx: Context, opts: { tool?: string; autoLock?: string }) {
  process.exitCode = await runPreEdit({ ...opts, dir: ctx.dir });
}

/**
 * `orc hook session-start [--tool claude|cursor|gemini]`: the session's agent id for the commands the
 * agent runs. Claude Code: exported through CLAUDE_ENV_FILE, nothing on stdout (there a SessionStart
 * hook's stdout becomes context: that is `orc prime`'s own hook). Cursor and Gemini read JSON on stdout:
 * it carries the primer (and Cursor's env). Always exits 0: a session starts whatever orc thinks.
 */
export async function sessionStart(ctx: Context, opts: { tool?: string }) {
  const tool = (AGENT_TOOLS as readonly string[]).includes(opts.tool ?? '')
    ? (opts.tool as AgentTool)
    : 'claude';
  const result = startSession(await readStdin(), tool, process.env);
  for (const warning of result.warnings) process.stderr.write(`orc: warning: ${warning}\n`);
  if (sessionStartReply(tool, result.agent, undefined) === undefined) return;
  let primer: string | undefined;
  try {
    // Loaded here only: the pre-edit hook, which shares this module, needs no operations layer.
    const { perform } = await import('../operations.js');
    primer = (await perform(ctx, 'primeAgent', { agent: result.agent ?? undefined })).text;
  } catch (error) {
    const { OrcError } = await subsystems.shared();
    if (!(error instanceof OrcError)) throw error;
    process.stderr.write(`orc: warning: no primer: ${error.message}\n`);
  }
  process.stdout.write(`${JSON.stringify(sessionStartReply(tool, result.agent, primer))}\n`);
}
