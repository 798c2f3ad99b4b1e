import { checkName, checkText, invalidInput, newId } from '../shared/index.js';
import type { Task } from '../records/index.js';
import { type ActorOptions, type Workspace, mutate } from '../storage/index.js';

export interface TaskNoteOptions extends ActorOptions {
  /** Who writes the note (an agent id); the actor when omitted. */
  agent?: string;
}

/**
 * Adds a progress note to a task (any status: a note on a finished task explains it afterwards), with
 * a `task.note` event. Notes are bounded like every text (checkText) and never edited.
 */
export async function addTaskNote(
  ws: Workspace,
  ref: string,
  text: string,
  options: TaskNoteOptions = {},
): Promise<Task> {
  const body = checkText('note', text);
  if (body.trim() === '') throw invalidInput('a note needs some text');
  const agent = options.agent === undefined ? undefined : checkName('agent', options.agent);
  return mutate(ws, { actor: options.actor ?? agent, now: options.now }, (m) => {
    const task = m.getTask(ref);
    const note = { id: newId('n'), at: m.nowIso, by: agent ?? m.actor, text: body };
    const written = m.writeTask({ ...task, notes: [...(task.notes ?? []), note] });
    m.emit('task.note', task.id, { note: note.id, by: note.by, text: body });
    return written;
  });
}
