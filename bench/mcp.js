// The MCP server's cost to an agent: what `tools/list` hands it on every turn (all tools and the core
// set), in characters and approximate tokens (4 characters each), and the wall time of a session that
// starts `orc mcp`, lists the tools and calls one, against a bare `node -e 0`.
// Figures, not tests. Alone: `node bench/mcp.js`.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { LIB, ROOT, fmt, tempDir } from './util.js';

const BIN = join(ROOT, 'dist', 'bin', 'orc.js');
const ROUNDS = 7;
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

async function session(dir, tools) {
  const started = performance.now();
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [BIN, '--dir', dir, 'mcp', '--tools', tools],
    }),
  );
  const listed = (await client.listTools()).tools;
  await client.callTool({ name: 'task_next', arguments: { agent: 'bench' } });
  await client.close();
  return { listed, ms: performance.now() - started };
}

export async function run() {
  console.log('## mcp: tool schemas an agent pays for, and a session of `orc mcp`');
  const { initWorkspace } = await import(LIB);
  const dir = tempDir();
  initWorkspace(dir);
  for (const tools of ['all', 'core']) {
    const { listed } = await session(dir, tools);
    const chars = JSON.stringify(listed).length;
    console.log(
      `  --tools ${tools}: ${listed.length} tools, ${chars} characters (~${fmt(chars / 4)} tokens)`,
    );
  }
  const sessions = [];
  const bare = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    bare.push(performance.now() - t);
    sessions.push((await session(dir, 'core')).ms);
  }
  const ratio = median(sessions) / median(bare);
  console.log(
    `  start, list tools, task_next, close (median of ${ROUNDS}): ${fmt(median(sessions))} ms, node -e 0 ${fmt(median(bare))} ms: ${fmt(ratio, 2)}x`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await run();
