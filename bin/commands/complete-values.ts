import { subsystems } from '../../lib/cli.js';

/** What `orc __complete <kind>…` lists, and the record kind each reads. */
const KINDS = { workstreams: 'workstream', agents: 'agent', tasks: 'task' } as const;

/**
 * `orc __complete [--dir <path>] <kind>…`: candidates for the shell completion scripts, one per line
 * (workstream names, agent ids, task ids). Called on every Tab, so it runs before commander is loaded
 * and reads folder listings only. Outside a workspace, or on an unknown kind, it prints nothing and
 * exits 0: a completion must never print an error into the user's command line.
 */
export async function runCompleteArgs(args: string[]): Promise<number> {
  let dir: string | undefined;
  const kinds: (keyof typeof KINDS)[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--dir') dir = args[++i];
    else if (arg.startsWith('--dir=')) dir = arg.slice('--dir='.length);
    else if (Object.hasOwn(KINDS, arg)) kinds.push(arg as keyof typeof KINDS);
  }
  if (kinds.length === 0) return 0;
  const { findWorkspace, listRecordKeys } = await subsystems.storage();
  const { OrcError } = await subsystems.shared();
  let lines: string[];
  try {
    const ws = findWorkspace({ dir });
    lines = kinds.flatMap((kind) => listRecordKeys(ws, KINDS[kind]));
  } catch (error) {
    // No workspace, or an unreadable folder: nothing to offer; the command itself will say why.
    if (error instanceof OrcError) return 0;
    throw error;
  }
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
