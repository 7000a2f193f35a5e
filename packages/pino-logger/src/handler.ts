import {
  ChainwatchCallbackHandler,
  handlerOptionShape,
  type ModelStartInput,
  type TokenFields,
  type TrackedRun,
  truncate,
  validateOptions,
} from "@chainwatch/core";
import type { AgentAction, AgentFinish } from "@langchain/core/agents";
import type { BaseCallbackHandlerInput } from "@langchain/core/callbacks/base";
import type { DocumentInterface } from "@langchain/core/documents";
import type { LLMResult } from "@langchain/core/outputs";
import { type BudgetLogSink, isBudgetSource, logBudgetDecisions } from "./budget.js";
import { addCost, type CostOfCall, costOf } from "./cost.js";
import { watchDestination } from "./destination.js";
import { addLlmResult } from "./llm-result.js";
import { resolveOptions } from "./options.js";
import { milliseconds, type RunLogState } from "./records.js";
import type { ContentMode, PinoCallbackHandlerOptions } from "./types.js";
import { type LogRecord, RecordWriter } from "./writer.js";

type Run = TrackedRun<RunLogState>;
type Kind = "chain" | "tool" | "retriever";

/** The option keys {@link PinoCallbackHandler} knows (unknown ones throw, nested too). */
const OPTION_SHAPE = handlerOptionShape({
  logger: true,
  levels: { start: true, end: true, error: true, firstToken: true, token: true, agent: true, custom: true },
  content: true,
  maxLength: true,
  mask: true,
  metadataKeys: true,
  sample: true,
  filter: { runTypes: true, ignoreNames: true, ignoreTags: true },
  cost: true,
});

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
  private readonly cost: CostOfCall | undefined;
  /** Where the cost source's budget decisions are written; the source holds it only weakly. */
  private readonly budgetSink: BudgetLogSink | undefined;
  /**
   * What this logger writes of a run's content, read by `withRedaction` (`@chainwatch/pii-redact`) so that it
   * redacts nothing the logger would not write: nothing at `content: "none"`, strings cut at `maxLength` first.
   */
  readonly recordedContent: { content: ContentMode; maxLength?: number };

  constructor(options: PinoCallbackHandlerOptions = {}, callbackInput?: BaseCallbackHandlerInput) {
    validateOptions("PinoCallbackHandler", options, OPTION_SHAPE);
    super("pino_logger", options, callbackInput ?? options);
    const resolved = resolveOptions(options);
    this.writer = new RecordWriter(resolved);
    this.recordedContent =
      resolved.content === "truncate"
        ? { content: "truncate", maxLength: resolved.maxLength }
        : { content: resolved.content };
    watchDestination(resolved.logger, (method, error) => this.guard.report(method, error));
    this.cost = costOf(options.cost, "PinoCallbackHandler");
    if (isBudgetSource(options.cost)) {
      const guard = this.guard;
      this.budgetSink = {
        logger: resolved.logger,
        report: (error) => guard.report("onBudgetDecision", error),
      };
      logBudgetDecisions(options.cost, this.budgetSink);
    }
  }

  /** Flushes the logger's destination (an async `pino.destination`, a transport); resolves once written. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  protected override createRunState(): RunLogState {
    return { logged: false, params: undefined, otel: undefined, streamed: false };
  }

  protected override onModelStart(run: Run, input: ModelStartInput): void {
    const { writer } = this;
    if (!this.decide(run)) return;
    // Kept by reference: read only when a record needs them.
    run.state.params = input.extraParams;
    if (!writer.enabled(writer.levels.start, run)) return;
    const record = writer.llmFields(run, run.runId, run.parentRunId);
    // Read defensively: LangChain passes what the caller gave, not always an array.
    const prompts: unknown = input.kind === "chat" ? input.messages : input.prompts;
    const single = Array.isArray(prompts) && prompts.length === 1;
    writer.content.add(record, "llm.start", "input", single ? prompts[0] : prompts);
    writer.write(writer.levels.start, record, "llm.start");
  }

  /**
   * `llm.end` carries `ttft_ms` and `streamed` at info, so tokens are delivered to this handler; past the first
   * one a token costs a flag and two level checks unless `levels.token` is on (see BENCHMARKS.md).
   */
  protected override onToken(run: Run, token: string, _fields: TokenFields, first: boolean): void {
    run.state.streamed = true;
    const { writer } = this;
    if (first && writer.enabled(writer.levels.firstToken, run)) {
      const record = writer.llmFields(run, run.runId, run.parentRunId);
      record.ttft_ms = milliseconds((run.firstTokenTime ?? run.startTime) - run.startTime);
      writer.write(writer.levels.firstToken, record, "llm.first_token");
    }
    if (writer.enabled(writer.levels.token, run)) {
      const record = writer.fields(run, run.runId, run.parentRunId, "llm");
      writer.content.add(record, "llm.token", "token", token);
      writer.write(writer.levels.token, record, "llm.token");
    }
  }

  protected override onModelEnd(run: Run, output: LLMResult): void {
    const { writer } = this;
    if (!writer.enabled(writer.levels.end, run)) return;
    const record = writer.llmFields(run, run.runId, run.parentRunId);
    addLlmResult(record, run, output, this.runs.time(), writer.content);
    if (this.cost !== undefined) addCost(record, this.cost, output, run, this.guard);
    writer.write(writer.levels.end, record, "llm.end");
  }

  protected override onModelError(run: Run, error: unknown): void {
    this.fail("llm", run, error);
  }

  protected override onChainStart(run: Run, inputs: unknown): void {
    this.begin("chain", run, inputs);
  }

  protected override onChainEnd(run: Run, outputs: unknown): void {
    this.finish("chain", run, outputs);
  }

  protected override onChainError(run: Run, error: unknown): void {
    this.fail("chain", run, error);
  }

  protected override onToolStart(run: Run, input: string, toolCallId: string | undefined): void {
    this.begin(
      "tool",
      run,
      input,
      toolCallId === undefined ? undefined : { tool_call_id: truncate(toolCallId, 200) },
    );
  }

  protected override onToolEnd(run: Run, output: unknown): void {
    this.finish("tool", run, output);
  }

  protected override onToolError(run: Run, error: unknown): void {
    this.fail("tool", run, error);
  }

  protected override onRetrieverStart(run: Run, query: string): void {
    this.begin("retriever", run, query);
  }

  protected override onRetrieverEnd(run: Run, documents: readonly DocumentInterface[]): void {
    this.finish("retriever", run, documents, { document_count: documents.length });
  }

  protected override onRetrieverError(run: Run, error: unknown): void {
    this.fail("retriever", run, error);
  }

  protected override onAgentAction(run: Run | undefined, action: AgentAction, runId: string): void {
    const { writer } = this;
    if (!writer.enabled(writer.levels.agent, run)) return;
    const record = writer.fields(run, runId, run?.parentRunId, "chain");
    const fields = typeof action === "object" && action !== null ? (action as Partial<AgentAction>) : {};
    if (typeof fields.tool === "string") record.tool = truncate(fields.tool, 200);
    writer.content.add(record, "agent.action", "tool_input", fields.toolInput);
    writer.content.add(record, "agent.action", "log", fields.log);
    writer.write(writer.levels.agent, record, "agent.action");
  }

  protected override onAgentEnd(run: Run | undefined, finish: AgentFinish, runId: string): void {
    const { writer } = this;
    if (!writer.enabled(writer.levels.agent, run)) return;
    const record = writer.fields(run, runId, run?.parentRunId, "chain");
    const fields = typeof finish === "object" && finish !== null ? (finish as Partial<AgentFinish>) : {};
    writer.content.add(record, "agent.end", "output", fields.returnValues);
    writer.write(writer.levels.agent, record, "agent.end");
  }

  protected override onCustomEvent(
    name: string,
    data: unknown,
    runId: string,
    _tags: unknown,
    _metadata: unknown,
    run: Run | undefined,
  ): void {
    const { writer } = this;
    if (!writer.enabled(writer.levels.custom, run)) return;
    const record = writer.fields(run, runId, undefined, run?.runType ?? "chain");
    record.name = truncate(name, 200);
    writer.content.add(record, "custom", "data", data);
    writer.write(writer.levels.custom, record, "custom");
  }

  /**
   * Sampling and filters, decided once at the run's start. While the logger wants nothing this handler writes,
   * the run is not logged, even if the level is raised before it ends.
   */
  private decide(run: Run): boolean {
    if (!this.writer.anyLevelEnabled()) return false;
    this.writer.decide(run);
    return run.state.logged;
  }

  private begin(kind: Kind, run: Run, input: unknown, extra?: LogRecord): void {
    const { writer } = this;
    if (!this.decide(run) || !writer.enabled(writer.levels.start, run)) return;
    const record = writer.fields(run, run.runId, run.parentRunId, run.runType);
    if (extra) Object.assign(record, extra);
    writer.content.add(record, `${kind}.start`, "input", input);
    writer.write(writer.levels.start, record, `${kind}.start`);
  }

  private finish(kind: Kind, run: Run, output: unknown, extra?: LogRecord): void {
    const { writer } = this;
    if (!writer.enabled(writer.levels.end, run)) return;
    const record = writer.fields(run, run.runId, run.parentRunId, kind);
    record.duration_ms = milliseconds(this.runs.time() - run.startTime);
    if (extra) Object.assign(record, extra);
    writer.content.add(record, `${kind}.end`, "output", output);
    writer.write(writer.levels.end, record, `${kind}.end`);
  }

  private fail(kind: Kind | "llm", run: Run, error: unknown): void {
    const { writer } = this;
    if (!writer.enabled(writer.levels.error, run)) return;
    const event = `${kind}.error`;
    const record =
      kind === "llm"
        ? writer.llmFields(run, run.runId, run.parentRunId)
        : writer.fields(run, run.runId, run.parentRunId, kind);
    record.duration_ms = milliseconds(this.runs.time() - run.startTime);
    record.err = writer.error(event, error);
    writer.write(writer.levels.error, record, event);
  }
}
