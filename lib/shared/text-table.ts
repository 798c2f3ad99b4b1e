/*
 * A bordered text table for a terminal, in time linear in its cells: each cell is measured once, the
 * column widths come from one pass, and every line is built once. (cli-table3, used before, lays a
 * table out in time quadratic in its rows: 10,000 tasks took tens of seconds.) Pure: the caller says
 * how wide the terminal is and whether colour codes may pass.
 */

export interface TableOptions {
  /** The terminal's width: the widest text column is cut (with …) until the table fits. */
  width?: number;
  /** The columns that may be cut to fit (by index); by default every text column. */
  cut?: readonly number[];
  /** Keep the colour codes (SGR sequences) in cells; otherwise they are escaped like any control. */
  color?: boolean;
}

// The colour codes chalk writes: ESC [ params m.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the colour codes start with ESC
const SGR = /\u001b\[[0-9;]*m/y;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is escaped
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is escaped
const SGR_OR_CONTROL = /\u001b\[[0-9;]*m|[\u0000-\u001f\u007f-\u009f]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the colour codes start with ESC
const SGR_ALL = /\u001b\[[0-9;]*m/g;
const PLAIN = /^[\u0020-\u007e]*$/;
// Marks that combine with the previous character (variation selectors too) and format characters
// (zero-width space and joiner).
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u;
const EMOJI = /^\p{Emoji_Presentation}$/u;
// A cell is never cut below this many columns (nor below its header) to fit a narrow terminal.
const LEAST_WIDTH = 10;

function escapeControl(ch: string): string {
  if (ch === '\n') return '\\n';
  if (ch === '\r') return '\\r';
  if (ch === '\t') return '\\t';
  return `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/** One line: control characters (line breaks and tabs too) escaped; colour codes kept when `color`. */
function cellLine(value: unknown, color: boolean): string {
  const text = String(value ?? '');
  if (!CONTROL.test(text)) return text;
  return text.replace(SGR_OR_CONTROL, (found) =>
    found.length === 1 ? escapeControl(found) : color ? found : escapeControl(found[0]!) + found.slice(1),
  );
}

/** Columns a code point takes in a terminal: 0 for combining marks, 2 for East Asian wide and emoji. */
function codePointWidth(ch: string): number {
  const cp = ch.codePointAt(0)!;
  if (cp < 0x300) return 1;
  if (ZERO_WIDTH.test(ch)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x20000 && cp <= 0x3fffd) ||
    EMOJI.test(ch)
  )
    return 2;
  return 1;
}

/** The columns a one-line text takes in a terminal, colour codes not counted. */
export function displayWidth(text: string): number {
  if (PLAIN.test(text)) return text.length;
  const bare = text.includes('\u001b') ? text.replace(SGR_ALL, '') : text;
  if (PLAIN.test(bare)) return bare.length;
  let width = 0;
  for (const ch of bare) width += codePointWidth(ch);
  return width;
}

/**
 * The text cut to `width` columns, its last one an ellipsis; colour codes are kept, and reset after
 * the cut when there were any.
 */
export function truncateToWidth(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 0) return '';
  let out = '';
  let used = 0;
  let colored = false;
  for (let i = 0; i < text.length; ) {
    if (text.charCodeAt(i) === 0x1b) {
      SGR.lastIndex = i;
      const sgr = SGR.exec(text);
      if (sgr) {
        out += sgr[0];
        colored = true;
        i += sgr[0].length;
        continue;
      }
    }
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    const w = codePointWidth(ch);
    if (used + w > width - 1) break;
    out += ch;
    used += w;
    i += ch.length;
  }
  return `${out}…${colored ? '\u001b[0m' : ''}`;
}

/**
 * Which column widths make the table fit `width`: the widest text column (one not all numbers) is
 * narrowed first, to the next widest, and so on, never below LEAST_WIDTH or its header.
 */
function fitWidths(widths: number[], floors: number[], text: boolean[], width: number): number[] {
  const fitted = [...widths];
  // Each column takes its cell, a space either side and a border; one more border closes the line.
  let over = fitted.reduce((sum, w) => sum + w + 3, 1) - width;
  while (over > 0) {
    let widest = -1;
    for (let col = 0; col < fitted.length; col++) {
      if (!text[col] || fitted[col]! <= floors[col]!) continue;
      if (widest < 0 || fitted[col]! > fitted[widest]!) widest = col;
    }
    if (widest < 0) break; // nothing left to narrow: the terminal wraps
    let next = floors[widest]!;
    for (let col = 0; col < fitted.length; col++)
      if (col !== widest && text[col] && fitted[col]! < fitted[widest]!) next = Math.max(next, fitted[col]!);
    const cut = Math.min(over, fitted[widest]! - next, fitted[widest]! - floors[widest]!);
    fitted[widest]! -= Math.max(1, cut);
    over -= Math.max(1, cut);
  }
  return fitted;
}

/**
 * The table as lines: a border above and below, the header, then one line per row, every cell
 * left-aligned and padded to its column's width. Cells are made one line (controls escaped).
 */
export function renderTable(
  head: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<unknown>>,
  options: TableOptions = {},
): string {
  const color = options.color === true;
  const columns = head.length;
  const headCells = head.map((h) => cellLine(h, color));
  const cells: string[][] = new Array(rows.length);
  const cellWidths: number[][] = new Array(rows.length);
  const widths = headCells.map(displayWidth);
  // Whether a column may be cut: a text column (not all numbers), of those in `cut` if given.
  const cuttable = head.map((_, col) => options.cut === undefined || options.cut.includes(col));
  const text = new Array<boolean>(columns).fill(false);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    const line = new Array<string>(columns);
    const lineWidths = new Array<number>(columns);
    for (let col = 0; col < columns; col++) {
      const value = row[col];
      if (cuttable[col] && typeof value !== 'number') text[col] = true;
      const cell = cellLine(value, color);
      const w = displayWidth(cell);
      line[col] = cell;
      lineWidths[col] = w;
      if (w > widths[col]!) widths[col] = w;
    }
    cells[r] = line;
    cellWidths[r] = lineWidths;
  }
  const floors = widths.map((w, col) => Math.min(w, Math.max(LEAST_WIDTH, displayWidth(headCells[col]!))));
  const fitted = options.width === undefined ? widths : fitWidths(widths, floors, text, options.width);
  const rule = (left: string, middle: string, right: string) =>
    `${left}${fitted.map((w) => '─'.repeat(w + 2)).join(middle)}${right}`;
  const line = (line: readonly string[], lineWidths: readonly number[]) => {
    let out = '│';
    for (let col = 0; col < columns; col++) {
      let cell = line[col]!;
      let w = lineWidths[col]!;
      if (w > fitted[col]!) {
        cell = truncateToWidth(cell, fitted[col]!);
        w = displayWidth(cell);
      }
      out += ` ${cell}${' '.repeat(fitted[col]! - w)} │`;
    }
    return out;
  };
  const out = [rule('┌', '┬', '┐'), line(headCells, headCells.map(displayWidth))];
  for (let r = 0; r < cells.length; r++) out.push(line(cells[r]!, cellWidths[r]!));
  out.push(rule('└', '┴', '┘'));
  return out.join('\n');
}
