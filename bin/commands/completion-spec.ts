import type { Command, Option } from 'commander';

/** What `orc __complete` lists (see complete-values.ts). */
export type ValueKind = 'workstreams' | 'agents' | 'tasks';

/** One command of the tree, as the completion scripts see it. */
export interface CommandSpec {
  /** Canonical names from the program down, space-separated; '' is `orc` itself. */
  path: string;
  /** Subcommands, each with its aliases (`t` and `task`). */
  subcommands: { name: string; aliases: string[] }[];
  /** Every flag, long and short, the global ones included. */
  flags: string[];
  /** The flags that take a value (the next word is not a subcommand). */
  valueFlags: string[];
  /** The fixed values its arguments take (`completion <shell>`: bash, zsh, fish). */
  choices: string[];
  /** What its positional arguments may be, for `orc __complete`. */
  kinds: ValueKind[];
}

/** What an option's value is, by its long name; undefined: no candidates (free text, a number). */
export function optionValueKind(long: string): ValueKind | 'folders' | undefined {
  if (long === '--dir') return 'folders';
  if (long === '--ws') return 'workstreams';
  if (long === '--agent') return 'agents';
  if (long === '--dep' || long === '--remove-dep') return 'tasks';
  return undefined;
}

/**
 * What a positional argument names, from its name and the command group it is in (`<id>` is a task
 * under `t`, an agent under `a`); undefined when nothing can be listed cheaply (runs, free text).
 */
function argumentKinds(group: string, name: string): ValueKind[] {
  if (name === 'ws' || (group === 'ws' && name === 'name')) return ['workstreams'];
  if (name === 'wsOrId') return ['workstreams', 'tasks'];
  if (name === 'wsOrAgent') return ['workstreams', 'agents'];
  if (name === 'agent' || (group === 'a' && name === 'id')) return ['agents'];
  if (name === 'idOrAgent') return ['tasks', 'agents'];
  if (name === 'task' || ((group === 't' || group === 'brief') && (name === 'id' || name === 'idOrResult')))
    return ['tasks'];
  return [];
}

// `--help` is commander's own option, not in `program.options`; `-h` too.
const helpOptions = [
  { long: '--help', short: '-h', required: false, optional: false },
] as unknown as Option[];

// Commander keeps these private; they are read, never set.
const isHidden = (command: Command) => (command as unknown as { _hidden?: boolean })._hidden === true;

function flagsOf(options: readonly Option[]): { flags: string[]; valueFlags: string[] } {
  const flags: string[] = [];
  const valueFlags: string[] = [];
  for (const option of options) {
    if (option.hidden) continue;
    const names = [option.long, option.short].filter((f): f is string => Boolean(f));
    flags.push(...names);
    if (option.required || option.optional) valueFlags.push(...names);
  }
  return { flags, valueFlags };
}

/**
 * Every visible command of the program, walked from commander's own tree (so the scripts never drift
 * from the commands): subcommands with aliases, flags, and what their arguments name.
 */
export function commandSpecs(program: Command): CommandSpec[] {
  // --version is the program's only: commander does not take it after a subcommand.
  const global = flagsOf([...program.options.filter((o) => o.long !== '--version'), ...helpOptions]);
  const specs: CommandSpec[] = [];
  const walk = (command: Command, path: string) => {
    const own = flagsOf(
      path === '' ? command.options.filter((o) => o.long === '--version') : command.options,
    );
    const group = path.split(' ')[0] ?? '';
    const visible = command.commands.filter((c) => !isHidden(c));
    specs.push({
      path,
      subcommands: visible.map((c) => ({ name: c.name(), aliases: c.aliases() })),
      flags: [...new Set([...own.flags, ...global.flags])],
      valueFlags: [...new Set([...own.valueFlags, ...global.valueFlags])],
      choices: command.registeredArguments.flatMap((a) => a.argChoices ?? []),
      kinds: [...new Set(command.registeredArguments.flatMap((a) => argumentKinds(group || path, a.name())))],
    });
    for (const c of visible) walk(c, path === '' ? c.name() : `${path} ${c.name()}`);
  };
  walk(program, '');
  return specs;
}
