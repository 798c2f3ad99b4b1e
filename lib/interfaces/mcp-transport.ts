import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/*
 * MCP over stdio, one JSON-RPC message per line, as the SDK's StdioServerTransport, except in what it
 * does with a line it cannot use. The SDK's reports a malformed line to nobody (the client waits for
 * an answer that never comes) and closes the server, silently, on a message over its buffer size.
 * Here every such line gets a JSON-RPC error reply and the server goes on:
 * - a line that is not JSON: -32700 (parse error);
 * - JSON that is not a JSON-RPC message: -32600 (invalid request), with its id when it has one;
 * - a line over MAX_MESSAGE_BYTES: -32600, and the line is skipped up to its end without being kept.
 */

/** The longest message accepted, as the SDK's default buffer. */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

type Check = (value: unknown) => { success: boolean };

export class OrcStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private chunks: Buffer[] = [];
  private size = 0;
  /** Inside a line that went over the limit: drop bytes up to its end. */
  private skipping = false;
  private check?: Check;
  private closed = false;

  constructor(
    private readonly input: NodeJS.ReadableStream = process.stdin,
    private readonly output: NodeJS.WritableStream = process.stdout,
  ) {}

  async start(): Promise<void> {
    // The SDK's message schema, loaded with the server rather than with orc's library.
    const { JSONRPCMessageSchema } = await import('@modelcontextprotocol/sdk/types.js');
    this.check = (value) => JSONRPCMessageSchema.safeParse(value);
    this.input.on('data', this.onData);
    this.input.on('error', this.onInputError);
    this.input.once('end', this.onEnd);
  }

  private readonly onData = (chunk: Buffer | string) => {
    let data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    for (let at = data.indexOf(10); at !== -1; at = data.indexOf(10)) {
      this.take(data.subarray(0, at));
      this.endLine();
      data = data.subarray(at + 1);
    }
    this.take(data);
  };

  private readonly onInputError = (error: Error) => this.onerror?.(error);
  private readonly onEnd = () => void this.close();

  private take(part: Buffer): void {
    if (this.skipping || part.length === 0) return;
    this.size += part.length;
    if (this.size > MAX_MESSAGE_BYTES) {
      this.chunks = [];
      this.skipping = true;
      return;
    }
    this.chunks.push(part);
  }

  private endLine(): void {
    if (this.skipping) {
      this.skipping = false;
      this.size = 0;
      this.reply(null, -32600, `INVALID_INPUT: a message over ${MAX_MESSAGE_BYTES} bytes was refused`);
      return;
    }
    const line = Buffer.concat(this.chunks).toString('utf8').replace(/\r$/, '');
    this.chunks = [];
    this.size = 0;
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.reply(null, -32700, 'INVALID_INPUT: the line is not JSON');
      return;
    }
    if (!this.check!(value).success) {
      const id = (value as { id?: unknown })?.id;
      const known = typeof id === 'string' || typeof id === 'number' ? id : null;
      this.reply(known, -32600, 'INVALID_INPUT: not a JSON-RPC 2.0 message');
      return;
    }
    this.onmessage?.(value as JSONRPCMessage);
  }

  private reply(id: string | number | null, code: number, message: string): void {
    this.output.write(`${JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } })}\n`);
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.output.write(`${JSON.stringify(message)}\n`)) resolve();
      else this.output.once('drain', resolve);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.input.off('data', this.onData);
    this.input.off('error', this.onInputError);
    this.input.off('end', this.onEnd);
    // Nothing else reads it: a paused stdin lets the process end.
    if (this.input.listenerCount('data') === 0) this.input.pause();
    this.chunks = [];
    this.onclose?.();
  }
}
