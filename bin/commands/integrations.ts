import { choiceOption } from '../options.js';
import { type Context, c, print, printJson } from '../output.js';
import { subsystems } from '../../lib/cli.js';

const { AGENT_TOOLS, repositoryRoot, resolveAgentIdentity, setupIntegration } =
  await subsystems.integrations();
const { invalidInput } = await subsystems.shared();

/**
 * `orc setup <tool> [--check] [--remove]`. `--check` exits 0 when every part is installed and 1 when
 * one is missing (a status, not an error: nothing is printed on stderr).
 */
export async function setup(ctx: Context, toolName: string, opts: { check?: boolean; remove?: boolean }) {
  const tool = choiceOption('<tool>', toolName, AGENT_TOOLS)!;
  if (opts.check && opts.remove) throw invalidInput('--check and --remove do not go together: pick one');
  const mode = opts.check ? 'check' : opts.remove ? 'remove' : 'install';
  const start = ctx.dir ?? process.cwd();
  const report = setupIntegration(repositoryRoot(start, start), tool, mode);
  if (mode === 'check' && !report.complete) process.exitCode = 1;
  if (ctx.json) return printJson(report);
  const verb = { install: 'set up', check: 'checked', remove: 'removed' }[mode];
  print(`orc ${verb} for ${tool} in ${report.root}`);
  for (const file of report.files) {
    print(`  ${file.path}${file.action === 'unchanged' ? '' : ` (${file.action})`}`);
    for (const part of file.parts) {
      print(`    ${part.installed ? c.green('installed') : c.yellow('missing  ')} ${part.name}`);
    }
  }
  if (mode === 'check') {
    print(report.complete ? 'complete' : `incomplete: run \`orc setup ${tool}\` to install what is missing`);
  }
}

/** `orc whoami`: the agent id orc would use here, and where it came from. */
export async function whoami(ctx: Context) {
  const identity = resolveAgentIdentity(process.env);
  if (ctx.json) return printJson(identity);
  print(identity.agent ? `${identity.agent} (${identity.reason})` : identity.reason);
}
