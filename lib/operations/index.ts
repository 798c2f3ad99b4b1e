import * as boardOperations from './board-operations.js';
import * as knowledgeOperations from './knowledge-operations.js';
import * as runOperations from './run-operations.js';
import * as taskOperations from './task-operations.js';

export * from './operation.js';

/** Every use case, by its library name: what the CLI, the HTTP API and the MCP server call. */
export const operations = {
  ...taskOperations,
  ...boardOperations,
  ...knowledgeOperations,
  ...runOperations,
};

export type Operations = typeof operations;
export type OperationName = keyof Operations;
