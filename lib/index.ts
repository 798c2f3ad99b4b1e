/**
 * orc's library: everything the `orc` command does, as typed functions. Every mutation takes the
 * workspace lock, validates, writes atomically and appends its event; errors are `OrcError`s with
 * a stable `code`.
 */
export {
  type Agent,
  type AgentView,
  type RegisterAgentInput,
  getAgent,
  listAgents,
  registerAgent,
} from './agents.js';
export {
  type ClaimOptions,
  type HeartbeatResult,
  type HolderOptions,
  type NextTaskOptions,
  claimTask,
  completeTask,
  failTask,
  heartbeatAgent,
  nextTask,
  releaseTask,
  unregisterAgent,
} from './claims.js';
export { type BoardSettings, DEFAULT_BOARD, loadBoardSettings } from './config.js';
export { type ConsolidationResult, consolidateRun, extractiveSummary, runNotePath } from './consolidation.js';
export {
  type Cycle,
  type CyclePlan,
  type CycleResults,
  type PlannedTask,
  claimCycleTask,
  collectCycle,
  currentCycle,
  planCycle,
  startCycle,
} from './cycles.js';
export { type DoctorProblem, type DoctorReport, findCycles, runDoctor } from './doctor.js';
export { formatAge, parseDuration, parseSince } from './durations.js';
export { type ErrorCode, EXIT_CODES, OrcError } from './errors.js';
export {
  type CorruptLine,
  type EventFilter,
  type EventsRead,
  type OrcEvent,
  readEvents,
  readEventsFrom,
} from './events.js';
export {
  type AcquireLockOptions,
  type Lock,
  type ReleaseLockOptions,
  acquireLock,
  listLocks,
  releaseLock,
} from './locks.js';
export {
  type GitSetupResult,
  ORC_PATHS,
  type SyncOptions,
  type SyncResult,
  setupGit,
  syncWorkspace,
} from './git.js';
export {
  type HttpServerOptions,
  type RunningServer,
  type StartServerOptions,
  createHttpServer,
  startServer,
} from './http-server.js';
export { type ChatMessage, type ChatOptions, chatComplete } from './llm.js';
export { type Memory, listMemories, pruneMemories, relevance } from './memory.js';
export { type McpServerOptions, createMcpServer, mcpToolSet, serveMcp } from './mcp.js';
export {
  type KnowledgeEntry,
  type KnowledgeHit,
  type KnowledgePassage,
  type SearchOptions,
  type SearchResult,
  type WriteKnowledgeOptions,
  knowledgePassages,
  listKnowledge,
  readKnowledge,
  reindexKnowledge,
  removeKnowledge,
  searchKnowledge,
  writeKnowledge,
} from './knowledge.js';
export { checkKnowledgeName } from './knowledge-names.js';
export { type Brief, type BriefOptions, countRecalls, renderBrief, stepKnowledge } from './briefs.js';
export type { KnowledgeSettings, SearchMode } from './knowledge-settings.js';
export { embedTexts } from './llm.js';
export { type LogEventInput, logEvent } from './log.js';
export { type EventMerge, mergeEventLines, mergeList, mergeRecord, mergeTask } from './merge.js';
export { type ActorOptions, resolveTaskId } from './mutation.js';
export {
  type AgentConfig,
  type AgentKind,
  type FlowConfig,
  type FlowStepConfig,
  type OrchestratorConfig,
  type ProviderConfig,
  checkOrchestratorConfig,
  loadOrchestratorConfig,
} from './orchestrator-config.js';
export {
  type ChoosePlanOptions,
  type Plan,
  type PlanCheck,
  type PlanWithLlmOptions,
  type PlannedStep,
  choosePlan,
  findFlow,
  parsePlanJson,
  planFromFlow,
  planOffline,
  planWithLlm,
  validatePlan,
} from './planner.js';
export {
  type AddPolicyInput,
  type PolicyMatch,
  type PolicyRule,
  addPolicy,
  forbiddenAssignments,
  getPolicy,
  listPolicies,
  matchingPolicies,
  removePolicy,
} from './policies.js';
export {
  type DemotionCandidate,
  type Promotion,
  type ReflectionReport,
  demoteRule,
  findPromotions,
  promotePattern,
  reflect,
  rejectPromotion,
} from './reflection.js';
export { type ExecuteRunOptions, executeRun } from './run-executor.js';
export { type StartRunInput, type StartRunOptions, startRun } from './run-start.js';
export {
  RUN_STATUSES,
  type Run,
  type RunStatus,
  type RunStep,
  STEP_STATUSES,
  type StepGate,
  type StepStatus,
} from './run-schema.js';
export { type DecisionOptions, approveStep, cancelRun, rejectStep } from './run-decisions.js';
export { type CreateRunInput, createRun, getRun, listRuns, resolveGate, resolveRunId } from './runs.js';
export { buildStepBrief } from './step-brief.js';
export { type ClaimSummary, type StatusSummary, type WorkstreamSummary, statusSummary } from './status.js';
export { type LostClaim, MAX_PRIORITY, MIN_PRIORITY, TASK_STATUSES } from './task-schema.js';
export {
  type AddTaskInput,
  type Claim,
  type Task,
  type TaskFilter,
  type TaskStatus,
  type UpdateTaskInput,
  addTask,
  cancelTask,
  getTask,
  isReady,
  listTasks,
  reopenTask,
  updateTask,
} from './tasks.js';
export {
  type FindWorkspaceOptions,
  type InitResult,
  type Workspace,
  WORKSPACE_FORMAT,
  findWorkspace,
  initWorkspace,
  workspaceAt,
} from './workspace.js';
export {
  type CreateWorkstreamInput,
  type UpdateWorkstreamInput,
  type Workstream,
  archiveWorkstream,
  createWorkstream,
  getWorkstream,
  listWorkstreams,
  updateWorkstream,
} from './workstreams.js';
