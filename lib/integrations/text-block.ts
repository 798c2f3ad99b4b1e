/*
 * A marked block of text orc owns inside a user's file: the orc section of AGENTS.md / CLAUDE.md
 * between `<!-- orc:begin -->` and `<!-- orc:end -->`, and the `[mcp_servers.orc]` table of Codex's
 * config.toml between `# orc:begin` and `# orc:end` (edited as text: no TOML library, and the user's
 * comments and layout stay as they are). Pure: text in, text out.
 */

export interface BlockMarkers {
  begin: string;
  end: string;
}

export const MARKDOWN_MARKERS: BlockMarkers = { begin: '<!-- orc:begin -->', end: '<!-- orc:end -->' };
export const TOML_MARKERS: BlockMarkers = { begin: '# orc:begin', end: '# orc:end' };

/** The whole block, markers included, ending with a newline. */
export function blockText(markers: BlockMarkers, body: string): string {
  return `${markers.begin}\n${body.replace(/\n*$/, '\n')}${markers.end}\n`;
}

function findBlock(text: string, markers: BlockMarkers): { start: number; end: number } | undefined {
  const start = text.indexOf(markers.begin);
  if (start < 0 || (start > 0 && text[start - 1] !== '\n')) return undefined;
  const endAt = text.indexOf(markers.end, start);
  if (endAt < 0) return undefined;
  let end = endAt + markers.end.length;
  if (text[end] === '\r') end++;
  if (text[end] === '\n') end++;
  return { start, end };
}

/** True when the file holds exactly this block. */
export function hasBlock(text: string | undefined, block: string, markers: BlockMarkers): boolean {
  if (text === undefined) return false;
  const at = findBlock(text, markers);
  return at !== undefined && text.slice(at.start, at.end) === block;
}

/**
 * The text with the block in place: an older block replaced where it stands, else appended after one
 * added line end (a blank line after a text that ends with one), which takeBlock takes out again.
 */
export function putBlock(text: string | undefined, block: string, markers: BlockMarkers): string {
  const current = text ?? '';
  const at = findBlock(current, markers);
  if (at) return current.slice(0, at.start) + block + current.slice(at.end);
  return current === '' ? block : `${current}\n${block}`;
}

/** The text without the block (and without the line end put before it); unchanged when absent. */
export function takeBlock(text: string | undefined, markers: BlockMarkers): string | undefined {
  if (text === undefined) return undefined;
  const at = findBlock(text, markers);
  if (!at) return text;
  let before = text.slice(0, at.start);
  const after = text.slice(at.end);
  if (after === '' && before.endsWith('\n')) before = before.slice(0, -1);
  return before + after;
}
