import {
  ChainwatchCallbackHandler,
  type CostFunction,
  carriesContent,
  chainRunType,
  type RunType,
  resolveCostSource,
  truncate,
} from "@chainwatch/core";
import type { BaseCallbackHandlerInput } from "@langchain/core/callbacks/base";
import { watchDestination } from "./destination.js";
import { addLlmResult } from "./llm-result.js";
import { resolveOptions } from "./options.js";
import { milliseconds, type RunLogState } from "./records.js";
import type { PinoCallbackHandlerOptions } from "./types.js";
import { type LogRecord, RecordWriter } from "./writer.js";

type Kind = "llm" | "chain" | "tool" | "retriever";

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
  private readonly writer: RecordWriter;
  private readonly cost: CostFunction | undefined;

  constructor(options: PinoCallbackHandlerOptions = {}, callbackInput?: BaseCallbackHandlerInput) {
    super("pino_logger", options, callbackInput);
    const resolved = resolveOptions(options);
    this.writer = new RecordWriter(resolved);
    watchDestination(resolved.logger, (method, error) => this.guard.report(method, error));
    this.cost = resolveCostSource(options?.cost, "PinoCallbackHandler");
  }

  /** Flushes the logger's destination (an async `pino.destination`, a transport); resolves once written. */
  flush(): Promise<void> {
    return this.writer.flush();
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
    } else if (this.runs.markFirstToken(run) && this.writer.enabled(this.writer.levels.firstToken, run)) {
      const record = this.writer.llmFields(run, run.runId, run.parentRunId);
      record.ttft_ms = milliseconds((run.firstTokenTime ?? run.startTime) - run.startTime);
      this.writer.write(this.writer.levels.firstToken, record, "llm.first_token");
    }
    if (this.writer.enabled(this.writer.levels.token, run)) {
      const record = this.writer.fields(run, runId, run.parentRunId, "llm");
      this.writer.content.add(record, "llm.token", "token", token);
      this.writer.write(this.writer.levels.token, record, "llm.token");
    }
  }

  override handleLLMEnd(output: unknown, runId: string, parentRunId?: string): void {
    const run = this.runs.end(runId);
    const { writer } = this;
    if (!writer.enabled(writer.levels.end, run)) return;
    const record = writer.llmFields(run, runId, parentRunId);
    addLlmResult(record, run, output, this.runs.time(), writer.content);
    if (this.cost !== undefined) this.addCost(record, output, run?.model, run?.provider);
    writer.write(writer.levels.end, record, "llm.end");
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
    this.begin("chain", chainRunType(runType), chain, inputs, runId, parentRunId, tags, metadata, runName);
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
    if (!this.writer.enabled(this.writer.levels.agent, run)) return;
    const record = this.writer.fields(run, runId, parentRunId, "chain");
    const fields = typeof action === "object" && action !== null ? (action as Record<string, unknown>) : {};
    if (typeof fields.tool === "string") record.tool = truncate(fields.tool, 200);
    this.writer.content.add(record, "agent.action", "tool_input", fields.toolInput);
    this.writer.content.add(record, "agent.action", "log", fields.log);
    this.writer.write(this.writer.levels.agent, record, "agent.action");
  }

  override handleAgentEnd(action: unknown, runId: string, parentRunId?: string): void {
    const run = this.runs.get(runId);
    if (!this.writer.enabled(this.writer.levels.agent, run)) return;
    const record = this.writer.fields(run, runId, parentRunId, "chain");
    const fields = typeof action === "object" && action !== null ? (action as Record<string, unknown>) : {};
    this.writer.content.add(record, "agent.end", "output", fields.returnValues);
    this.writer.write(this.writer.levels.agent, record, "agent.end");
  }

  override handleCustomEvent(eventName: string, data: unknown, runId: string): void {
    const run = this.runs.get(runId);
    if (!this.writer.enabled(this.writer.levels.custom, run)) return;
    const record = this.writer.fields(run, runId, undefined, run?.runType ?? "chain");
    record.name = truncate(String(eventName), 200);
    this.writer.content.add(record, "custom", "data", data);
    this.writer.write(this.writer.levels.custom, record, "custom");
  }

  /** `cost_usd` from the cost source; a throwing source is reported and the record is still written. */
  private addCost(
    record: LogRecord,
    output: unknown,
    model: string | undefined,
    provider: string | undefined,
  ): void {
    try {
      const usd = this.cost?.(output, { model, provider });
      if (usd !== undefined) record.cost_usd = usd;
    } catch (error) {
      this.guard.report("cost", error);
    }
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
    if (!this.writer.anyLevelEnabled()) return;
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
    this.writer.decide(run);
    // Kept by reference: read only when a record needs them.
    state.params = extraParams;
    if (!this.writer.enabled(this.writer.levels.start, run)) return;
    const record = this.writer.llmFields(run, runId, parentRunId);
    this.writer.content.add(
      record,
      "llm.start",
      "input",
      Array.isArray(input) && input.length === 1 ? input[0] : input,
    );
    this.writer.write(this.writer.levels.start, record, "llm.start");
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
    if (!this.writer.anyLevelEnabled()) return;
    const run = this.trackStart(runType, serialized, runId, parentRunId, tags, metadata, runName, newState());
    this.writer.decide(run);
    if (!this.writer.enabled(this.writer.levels.start, run)) return;
    const record = this.writer.fields(run, runId, parentRunId, runType);
    if (extra) Object.assign(record, extra);
    this.writer.content.add(record, `${kind}.start`, "input", input);
    this.writer.write(this.writer.levels.start, record, `${kind}.start`);
  }

  private finish(
    kind: Exclude<Kind, "llm">,
    runId: string,
    parentRunId: string | undefined,
    output: unknown,
    extra?: LogRecord,
  ): void {
    const run = this.runs.end(runId);
    if (!this.writer.enabled(this.writer.levels.end, run)) return;
    const record = this.writer.fields(run, runId, parentRunId, kind);
    if (run) record.duration_ms = milliseconds(this.runs.time() - run.startTime);
    if (extra) Object.assign(record, extra);
    this.writer.content.add(record, `${kind}.end`, "output", output);
    this.writer.write(this.writer.levels.end, record, `${kind}.end`);
  }

  private fail(kind: Kind, error: unknown, runId: string, parentRunId: string | undefined): void {
    const run = this.runs.end(runId);
    if (!this.writer.enabled(this.writer.levels.error, run)) return;
    const event = `${kind}.error`;
    const record =
      kind === "llm"
        ? this.writer.llmFields(run, runId, parentRunId)
        : this.writer.fields(run, runId, parentRunId, kind);
    if (run) record.duration_ms = milliseconds(this.runs.time() - run.startTime);
    record.err = this.writer.error(event, error);
    this.writer.write(this.writer.levels.error, record, event);
  }
}
