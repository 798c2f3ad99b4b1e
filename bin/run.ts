import type { Command } from 'commander';
import type { Context } from './output.js';

// biome-ignore lint/suspicious/noExplicitAny: commander hands actions untyped arguments
type Handler = (ctx: Context, ...args: any[]) => Promise<void>;

/** Builds the context from the global options; `--json` and `--dir` may come before or after the command. */
export async function contextOf(command: Command): Promise<Context> {
  // Loaded with the command, not at start-up: `orc --help` loads none of the library.
  const [{ actorOption }, { envValue }] = await Promise.all([
    import('./options.js'),
    (await import('../lib/cli.js')).subsystems.shared(),
  ]);
  const opts = command.optsWithGlobals() as {
    json?: boolean;
    dir?: string;
    actor?: string;
    field?: string;
    idOnly?: boolean;
  };
  const field = opts.idOnly ? 'id' : opts.field;
  if (field !== undefined) (await import('./output.js')).selectField(field);
  return {
    // A field is picked from the JSON a command prints: the command takes its --json path.
    json: Boolean(opts.json) || field !== undefined,
    dir: opts.dir,
    actor: actorOption(opts.actor),
    invocation: envValue(process.env, 'INVOCATION') ?? invocationOf(),
  };
}

/** How a person or agent would run this orc again: the name on PATH, else node and the script's path. */
function invocationOf(): string {
  const script = process.argv[1] ?? 'orc';
  const pathDirs = (process.env.PATH ?? '').split(':');
  const base = script.split('/').pop() ?? '';
  if (base === 'orc' && pathDirs.some((d) => script === `${d}/orc`)) return 'orc';
  return /\s/.test(script) ? `node '${script}'` : `node ${script}`;
}

/**
 * The action for a command: loads its module only when the command runs, so that `orc --help` and
 * every other command pay nothing for it.
 */
export function lazy<M extends Record<K, Handler>, K extends keyof M & string>(
  load: () => Promise<M>,
  name: K,
) {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const [mod, ctx] = await Promise.all([load(), contextOf(command)]);
    try {
      await mod[name](ctx, ...args.slice(0, -1));
    } catch (error) {
      // A field the library names is said as the flag that gave it (`reason` → `--reason`).
      const { flagsOf, namedByFlags } = await import('./flag-names.js');
      throw namedByFlags(error, flagsOf(command));
    }
  };
}
