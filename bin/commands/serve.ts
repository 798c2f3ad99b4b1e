import { wholeNumberOption } from '../options.js';
import { isIP } from 'node:net';
import { type Context, print, printJson, warn } from '../output.js';
import { open } from './workspace.js';
import { subsystems } from '../../lib/cli.js';
import { runInBackground } from '../background.js';

const { startServer } = await subsystems.interfaces();

const isLoopback = (host: string) =>
  host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));

/** `orc serve`: the HTTP API and the dashboard until SIGINT or SIGTERM. */
export async function serve(ctx: Context, opts: { host?: string; port?: string }) {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port === undefined ? 7070 : wholeNumberOption('--port', opts.port, 0, 65_535);
  const ws = open(ctx);
  if (!isLoopback(host))
    warn(ctx, `listening on ${host}: beyond this machine, anyone who has the token can act on the board`);
  const server = await startServer(ws, {
    host,
    port,
    actor: ctx.actor,
    invocation: ctx.invocation,
    continueRun: runInBackground(ctx.invocation),
    onWarning: (message) => warn(ctx, message, 'DEGRADED'),
  });
  // The first line on stdout names the address (with --port 0, the port picked): scripts read it.
  if (ctx.json) printJson({ listening: server.url, port: server.port, tokenSource: server.token.source });
  else print(`listening ${server.url}`);
  const page = `${server.url}/`;
  process.stderr.write(
    server.token.source === 'file'
      ? `token in ${server.token.file} (git-ignored); open ${page}#token=${server.token.token}\n`
      : `token: the value of ORC_TOKEN; open ${page} and paste it\n`,
  );
  await new Promise<void>((resolve) => {
    let stopping = false;
    // The handlers stay installed: removing them would let a library's exit hook (signal-exit, which
    // execa loads) re-raise the signal and kill the process before it has closed. A second signal exits
    // at once.
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(signal === 'SIGINT' ? 130 : 143);
      stopping = true;
      server.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
