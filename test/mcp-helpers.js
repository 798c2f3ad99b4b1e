// An MCP client on the real `orc mcp` over stdio, for the MCP and hostile-input suites.
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BIN, ROOT } from './helpers.js';

export function serverEnv(extra = {}) {
  const env = { ...process.env, NO_COLOR: '1', ORC_ACTOR: 'tester', ...extra };
  delete env.ORCHESTRATOR_DIR;
  if (!('ORC_MCP_TOOLS' in extra)) delete env.ORC_MCP_TOOLS;
  return env;
}

/** An MCP client connected to `orc --dir <dir> mcp …`; closed when the test ends. */
export async function connect(t, dir, args = [], env = {}) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, '--dir', dir, 'mcp', ...args],
    env: serverEnv(env),
    cwd: ROOT,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr.on('data', (d) => {
    stderr += d;
  });
  const client = new Client({ name: 'orc-test', version: '1.0.0' });
  const protocolErrors = [];
  client.onerror = (error) => protocolErrors.push(error.message);
  await client.connect(transport);
  t.after(async () => {
    await client.close();
    // Anything but the protocol on stdout would have broken the client's parsing.
    assert.deepEqual(protocolErrors, [], 'the client saw only protocol messages');
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  });
  const call = (name, args = {}) => client.callTool({ name, arguments: args });
  return {
    client,
    stderr: () => stderr,
    /** Calls a tool that must succeed; returns its parsed JSON result. */
    async ok(name, args) {
      const result = await call(name, args);
      assert.equal(result.isError, undefined, `${name} failed: ${result.content?.[0]?.text}`);
      assert.equal(result.content.length, 1);
      assert.equal(result.content[0].type, 'text');
      assert.doesNotMatch(result.content[0].text, /\n/, 'compact JSON');
      return JSON.parse(result.content[0].text);
    },
    /** Calls a tool that must fail; returns its one-line `CODE: message` text. */
    async fails(name, args) {
      const result = await call(name, args);
      assert.equal(result.isError, true, `${name} should have failed: ${result.content?.[0]?.text}`);
      const text = result.content[0].text;
      assert.match(text, /^[A-Z_]+: \S/);
      assert.doesNotMatch(text, /\n/);
      return text;
    },
  };
}
