import type { Run, RunStep } from '../../lib/cli.js';
import { c, cell, statusColor } from '../output.js';

/*
 * `orc run`'s live step table on a terminal. It is drawn once, its columns sized from the plan (a
 * step's status column is as wide as the longest status), and as the run moves only the rows of the
 * steps whose status changed are rewritten in place: the cursor goes up to the row, the row is
 * written over, and the cursor comes back. Each update costs the rows that changed, not the table.
 * A table taller than the terminal cannot be reached by the cursor; that run prints a line per change.
 */

const HEAD = ['step', 'agent', 'status', 'deps', 'gate', 'task'];
const STATUS_WIDTH = 'waiting_approval'.length;
const ESC = '\u001b[';

export const stepColor = (status: string) =>
  status === 'waiting_approval' ? c.yellow(status) : statusColor(status);

/** A step's cells but its status, which never change while the run runs. */
function fixedCells(s: RunStep): string[] {
  return [
    cell(s.id, 40),
    cell(s.agent, 30),
    cell(s.deps.join(','), 30),
    [s.gate, s.afterGate].flatMap((g) => (g ? [`${g.mode} (${g.source})`] : [])).join(', '),
    cell(s.task, 40),
  ];
}

export interface LiveTable {
  /** Whether the table was drawn (false: it would not fit the terminal). */
  readonly drawn: boolean;
  /** Rewrites the rows of the steps whose status changed since the last call. */
  update(run: Run): void;
}

/** Draws the run's step table on `out` (a terminal of `rows` lines) and returns how to update it. */
export function drawLiveTable(run: Run, out: { write(text: string): unknown }, rows: number): LiveTable {
  const cells = run.steps.map(fixedCells);
  const widths = HEAD.map((h, col) => {
    if (col === 2) return STATUS_WIDTH;
    const at = col > 2 ? col - 1 : col;
    return Math.max(h.length, ...cells.map((r) => r[at]!.length));
  });
  const pad = (text: string, col: number, shown = text) =>
    `${shown}${' '.repeat(widths[col]! - text.length)}`;
  const line = (values: string[], shown: string[] = values) =>
    `│ ${values.map((v, col) => pad(v, col, shown[col])).join(' │ ')} │`;
  const rule = (left: string, mid: string, right: string) =>
    `${left}${widths.map((w) => '─'.repeat(w + 2)).join(mid)}${right}`;
  const rowOf = (i: number) => {
    const step = run.steps[i]!;
    const [id, agent, deps, gate, task] = cells[i]!;
    const values = [id!, agent!, step.status, deps!, gate!, task!];
    return line(
      values,
      values.map((v, col) => (col === 2 ? stepColor(v) : v)),
    );
  };
  const total = run.steps.length + 4;
  if (total > rows) return { drawn: false, update: () => {} };
  const lines = [
    rule('┌', '┬', '┐'),
    line(
      HEAD,
      HEAD.map((h) => c.bold(h)),
    ),
    rule('├', '┼', '┤'),
    ...run.steps.map((_, i) => rowOf(i)),
    rule('└', '┴', '┘'),
  ];
  out.write(`${lines.join('\n')}\n`);
  const shown = run.steps.map((s) => s.status);
  return {
    drawn: true,
    update(next: Run) {
      run = next;
      let text = '';
      next.steps.forEach((step, i) => {
        if (shown[i] === step.status) return;
        shown[i] = step.status;
        // Row i is line 3 + i; the cursor waits below the last line.
        const up = total - (3 + i);
        text += `${ESC}${up}A\r${rowOf(i)}${ESC}${up}B\r`;
      });
      if (text) out.write(text);
    },
  };
}
