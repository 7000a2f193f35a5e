import {
  ChainwatchCallbackHandler,
  carriesContent,
  extractUsage,
  finishReason,
  outputText,
  type RunType,
  responseModel,
  type TrackedRun,
  toolCallsFromOutput,
  truncate,
} from "@chainwatch/core";
import type { BaseCallbackHandlerInput } from "@langchain/core/callbacks/base";
import type { Level, Logger } from "pino";
import { ContentPolicy } from "./content.js";
import { errorRecord } from "./errors.js";
import { type ResolvedLevels, resolveOptions } from "./options.js";
import { activeSpanFields } from "./otel.js";
import { llmParams, milliseconds, type RunLogState, runFields, usageFields } from "./records.js";
import { renderValue } from "./render.js";
import type { RunSelection } from "./selection.js";
import type { EventLevel, PinoCallbackHandlerOptions } from "./types.js";

type Run = TrackedRun<RunLogState>;
type Kind = "llm" | "chain" | "tool" | "retriever";
type LogRecord = Record<string, unknown>;

const METADATA_LIMITS = { maxString: 512, maxItems: 20, maxDepth: 3 };

function newState(): RunLogState {
  return { logged: true, params: undefined, otel: undefined, streamed: false };
}

/**
 * Logs one structured pino record per LangChain run event (`llm.start`, `llm.first_token`, `llm.end`,
 * `llm.error`, `chain.*`, `tool.*`, `retriever.*`, `agent.action`, `agent.end`, `custom`), with a constant
 * `msg` per event and the data in fields. Safe by default: content is cut at 2 KB, `serialized` (where API keys
 * can sit) is never logged, and a disabled level costs no serialisation.
 *
 * @example
 * ```ts
 * import { pino } from "pino";
 * import { PinoCallbackHandler } from "@chainwatch/pino-logger";
 *
 * const handler = new PinoCallbackHandler({ logger: pino({ level: "info" }), content: "none" });
 * await model.invoke("Hello", { callbacks: [handler] });
 * ```
 */
export class PinoCallbackHandler extends ChainwatchCallbackHandler<RunLogState> {
  name = "pino_logger";
  private readonly logger: Logger;
  private readonly levels: ResolvedLevels;
  private readonly content: ContentPolicy;
  private readonly metadataKeys: readonly string[];
  private readonly selection: RunSelection;
  private readonly maxLength: number;
  /** The most severe configured level: when the logger does not want it, it wants nothing this handler writes. */
  private readonly mostSevereLevel: Level | undefined;

  constructor(options: PinoCallbackHandlerOptions = {}, callbackInput?: BaseCallbackHandlerInput) {
    super("pino_logger", options, callbackInput);
    const resolved = resolveOptions(options);
    this.logger = resolved.logger;
    this.levels = resolved.levels;
    this.content = new ContentPolicy(resolved.content, resolved.maxLength, resolved.mask);
    this.metadataKeys = resolved.metadataKeys;
    this.selection = resolved.selection;
    this.maxLength = resolved.maxLength;
    const values = this.logger.levels.values;
    this.mostSevereLevel = Object.values(this.levels)
      .filter((level): level is Level => level !== false)
      .sort((a, b) => (values[b] ?? 0) - (values[a] ?? 0))[0];
  }

  /** Flushes the logger's destination (an async `pino.destination`, a transport); resolves once written. */
  flush(): Promise<void> {
    return new Promise((resolve, reject) => {
      try {
        this.logger.flush((error) => (error ? reject(error) : resolve()));
      } catch (error) {
        reject(error);
      }
    });
  }

  override handleLLMStart(
    llm: unknown,
    prompts: string[],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): void {
    this.startLLM(llm, prompts, runId, parentRunId, extraParams, tags, metadata, runName);
  }

  override handleChatModelStart(
    llm: unknown,
    messages: unknown[][],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): void {
    this.startLLM(llm, messages, runId, parentRunId, extraParams, tags, metadata, runName);
  }

  override handleLLMNewToken(
    token: string,
    _idx: unknown,
    runId: string,
    _parentRunId?: string,
    _tags?: string[],
    fields?: unknown,
  ): void {
    const run = this.runs.get(runId);
    if (!run) return;
    run.state.streamed = true;
    if (typeof token !== "string" || !carriesContent(token, fields)) {
      this.runs.touch(run);
    } else if (this.runs.markFirstToken(run) && this.enabled(this.levels.firstToken, run)) {
      const record = this.llmFields(run, run.runId, run.parentRunId);
      record.ttft_ms = milliseconds((run.firstTokenTime ?? run.startTime) - run.startTime);
      this.write(this.levels.firstToken, record, "llm.first_token");
    }
    if (this.enabled(this.levels.token, run)) {
      const record = this.fields(run, runId, run.parentRunId, "llm");
      this.content.add(record, "llm.token", "token", token);
      this.write(this.levels.token, record, "llm.token");
    }
  }

  override handleLLMEnd(output: unknown, runId: string, parentRunId?: string): void {
    const run = this.runs.end(runId);
    if (!this.enabled(this.levels.end, run)) return;
    const record = this.llmFields(run, runId, parentRunId);
    const answered = responseModel(output);
    if (answered !== undefined) {
      if (run?.model !== undefined && run.model !== answered) record.requested_model = run.model;
      record.model = answered;
    }
    const usage = extractUsage(output);
    if (run) {
      const duration = this.runs.time() - run.startTime;
      record.duration_ms = milliseconds(duration);
      if (run.firstTokenTime !== undefined) record.ttft_ms = milliseconds(run.firstTokenTime - run.startTime);
      const generating =
        run.firstTokenTime === undefined ? duration : duration - (run.firstTokenTime - run.startTime);
      const outputTokens = usage?.outputTokens;
      if (outputTokens && generating > 0) {
        record.tokens_per_second = Math.round((outputTokens / generating) * 10_000) / 10;
      }
      record.streamed = run.state.streamed;
    }
    if (usage) record.usage = usageFields(usage);
    const reason = finishReason(output);
    if (reason !== undefined) record.finish_reason = truncate(reason, 100);
    const calls = toolCallsFromOutput(output);
    if (calls.length > 0) {
      record.tool_calls = calls.slice(0, 100).map((call) => {
        const entry: LogRecord = { name: truncate(call.name, 200), id: call.id };
        this.content.add(entry, "llm.end", "tool_calls.args", call.args, "args");
        return entry;
      });
    }
    const text = this.content.enabled ? outputText(output) : "";
    if (text !== "") this.content.add(record, "llm.end", "output", text);
    this.write(this.levels.end, record, "llm.end");
  }

  override handleLLMError(error: unknown, runId: string, parentRunId?: string): void {
    this.fail("llm", error, runId, parentRunId);
  }

  override handleChainStart(
    chain: unknown,
    inputs: unknown,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runType?: string,
    runName?: string,
  ): void {
    // The runtime argument order (LangChain's type declaration differs): runType is "prompt" for templates.
    const type: RunType = runType === "prompt" ? "prompt" : "chain";
    this.begin("chain", type, chain, inputs, runId, parentRunId, tags, metadata, runName);
  }

  override handleChainEnd(outputs: unknown, runId: string, parentRunId?: string): void {
    this.finish("chain", runId, parentRunId, outputs);
  }

  override handleChainError(error: unknown, runId: string, parentRunId?: string): void {
    this.fail("chain", error, runId, parentRunId);
  }

  override handleToolStart(
    tool: unknown,
    input: string,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
    toolCallId?: string,
  ): void {
    const extra = typeof toolCallId === "string" ? { tool_call_id: truncate(toolCallId, 200) } : undefined;
    this.begin("tool", "tool", tool, input, runId, parentRunId, tags, metadata, runName, extra);
  }

  override handleToolEnd(output: unknown, runId: string, parentRunId?: string): void {
    this.finish("tool", runId, parentRunId, output);
  }

  override handleToolError(error: unknown, runId: string, parentRunId?: string): void {
    this.fail("tool", error, runId, parentRunId);
  }

  override handleRetrieverStart(
    retriever: unknown,
    query: string,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    name?: string,
  ): void {
    this.begin("retriever", "retriever", retriever, query, runId, parentRunId, tags, metadata, name);
  }

  override handleRetrieverEnd(documents: unknown, runId: string, parentRunId?: string): void {
    const extra = Array.isArray(documents) ? { document_count: documents.length } : undefined;
    this.finish("retriever", runId, parentRunId, documents, extra);
  }

  override handleRetrieverError(error: unknown, runId: string, parentRunId?: string): void {
    this.fail("retriever", error, runId, parentRunId);
  }

  override handleAgentAction(action: unknown, runId: string, parentRunId?: string): void {
    const run = this.runs.get(runId);
    if (!this.enabled(this.levels.agent, run)) return;
    const record = this.fields(run, runId, parentRunId, "chain");
    const fields = typeof action === "object" && action !== null ? (action as Record<string, unknown>) : {};
    if (typeof fields.tool === "string") record.tool = truncate(fields.tool, 200);
    this.content.add(record, "agent.action", "tool_input", fields.toolInput);
    this.content.add(record, "agent.action", "log", fields.log);
    this.write(this.levels.agent, record, "agent.action");
  }

  override handleAgentEnd(action: unknown, runId: string, parentRunId?: string): void {
    const run = this.runs.get(runId);
    if (!this.enabled(this.levels.agent, run)) return;
    const record = this.fields(run, runId, parentRunId, "chain");
    const fields = typeof action === "object" && action !== null ? (action as Record<string, unknown>) : {};
    this.content.add(record, "agent.end", "output", fields.returnValues);
    this.write(this.levels.agent, record, "agent.end");
  }

  override handleCustomEvent(eventName: string, data: unknown, runId: string): void {
    const run = this.runs.get(runId);
    if (!this.enabled(this.levels.custom, run)) return;
    const record = this.fields(run, runId, undefined, run?.runType ?? "chain");
    record.name = truncate(String(eventName), 200);
    this.content.add(record, "custom", "data", data);
    this.write(this.levels.custom, record, "custom");
  }

  private startLLM(
    serialized: unknown,
    input: unknown,
    runId: string,
    parentRunId: string | undefined,
    extraParams: unknown,
    tags: unknown,
    metadata: unknown,
    runName: unknown,
  ): void {
    if (!this.anyLevelEnabled()) return;
    const state = newState();
    const run = this.trackLLMStart(
      serialized,
      runId,
      parentRunId,
      extraParams,
      tags,
      metadata,
      runName,
      state,
    );
    this.decide(run);
    // Kept by reference: read only when a record needs them.
    state.params = extraParams;
    if (!this.enabled(this.levels.start, run)) return;
    const record = this.llmFields(run, runId, parentRunId);
    this.content.add(
      record,
      "llm.start",
      "input",
      Array.isArray(input) && input.length === 1 ? input[0] : input,
    );
    this.write(this.levels.start, record, "llm.start");
  }

  private begin(
    kind: Exclude<Kind, "llm">,
    runType: RunType,
    serialized: unknown,
    input: unknown,
    runId: string,
    parentRunId: string | undefined,
    tags: unknown,
    metadata: unknown,
    runName: unknown,
    extra?: LogRecord,
  ): void {
    if (!this.anyLevelEnabled()) return;
    const run = this.trackStart(runType, serialized, runId, parentRunId, tags, metadata, runName, newState());
    this.decide(run);
    if (!this.enabled(this.levels.start, run)) return;
    const record = this.fields(run, runId, parentRunId, runType);
    if (extra) Object.assign(record, extra);
    this.content.add(record, `${kind}.start`, "input", input);
    this.write(this.levels.start, record, `${kind}.start`);
  }

  private finish(
    kind: Exclude<Kind, "llm">,
    runId: string,
    parentRunId: string | undefined,
    output: unknown,
    extra?: LogRecord,
  ): void {
    const run = this.runs.end(runId);
    if (!this.enabled(this.levels.end, run)) return;
    const record = this.fields(run, runId, parentRunId, kind);
    if (run) record.duration_ms = milliseconds(this.runs.time() - run.startTime);
    if (extra) Object.assign(record, extra);
    this.content.add(record, `${kind}.end`, "output", output);
    this.write(this.levels.end, record, `${kind}.end`);
  }

  private fail(kind: Kind, error: unknown, runId: string, parentRunId: string | undefined): void {
    const run = this.runs.end(runId);
    if (!this.enabled(this.levels.error, run)) return;
    const event = `${kind}.error`;
    const record =
      kind === "llm" ? this.llmFields(run, runId, parentRunId) : this.fields(run, runId, parentRunId, kind);
    if (run) record.duration_ms = milliseconds(this.runs.time() - run.startTime);
    record.err = errorRecord(error, this.maxLength, (message) => this.content.maskMessage(event, message));
    this.write(this.levels.error, record, event);
  }

  /**
   * Whether the logger wants any record this handler could write. When it does not, runs are not even tracked:
   * a run that starts while logging is off and ends after it is turned on is logged as a run never seen start.
   */
  private anyLevelEnabled(): boolean {
    return this.mostSevereLevel !== undefined && this.logger.isLevelEnabled(this.mostSevereLevel);
  }

  /** Sampling and filters, decided once at the run's start, and the span active then. */
  private decide(run: Run): void {
    run.state.logged = this.selection.logs(run);
    if (run.state.logged) run.state.otel = activeSpanFields();
  }

  /** The one gate before any record work: the kind is on, the run is logged, and the logger wants the level. */
  private enabled(level: EventLevel, run: Run | undefined): level is Level {
    if (level === false) return false;
    if (run ? !run.state.logged : !this.selection.logsUnseen) return false;
    return this.logger.isLevelEnabled(level);
  }

  private fields(
    run: Run | undefined,
    runId: string,
    parentRunId: string | undefined,
    runType: string,
  ): LogRecord {
    return runFields(run, runId, parentRunId, runType, this.metadataKeys, (value) =>
      renderValue(value, METADATA_LIMITS),
    );
  }

  private llmFields(run: Run | undefined, runId: string, parentRunId: string | undefined): LogRecord {
    const record = this.fields(run, runId, parentRunId, "llm");
    if (run) {
      if (run.provider !== undefined) record.provider = run.provider;
      if (run.model !== undefined) record.model = run.model;
      const params = llmParams(run.state.params);
      if (params) record.params = params;
    }
    return record;
  }

  private write(level: Level, record: LogRecord, msg: string): void {
    this.logger[level](record, msg);
  }
}
