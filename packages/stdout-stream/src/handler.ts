import {
  ChainwatchCallbackHandler,
  carriesContent,
  chainRunType,
  outputText,
  type TrackedRun,
  tokenDelta,
  toolCallsFromOutput,
  truncate,
} from "@chainwatch/core";
import type { LLMResult } from "@langchain/core/outputs";
import { channelFor, type StreamChannel } from "./channel.js";
import { type Palette, paletteFor, shouldColor } from "./color.js";
import { blockText, errorMessage, toolOutputText } from "./extract.js";
import { type EventFormat, eventFormat, footerLine } from "./format.js";
import { type ResolvedOptions, resolveOptions } from "./options.js";
import { ProgressEvents } from "./progress.js";
import { newRunState, RunOutput, type StreamRunState } from "./run-output.js";
import { runLabel, summarize } from "./summary.js";
import type { ConcurrencyMode, OutputStream, StdoutStreamOptions, StreamCloseResult } from "./types.js";

/**
 * Streams an LLM's tokens to a terminal, a pipe, a file or an HTTP response as they arrive — each run exactly
 * once, even when two instances share a stream; concurrent runs kept apart; a closed pipe or a slow reader never
 * breaking the run. Attaching it makes a plain `invoke()` stream (LangChain's prefer-streaming hint).
 *
 * @example
 * ```ts
 * import { ChatOpenAI } from "@langchain/openai";
 * import { StdoutStreamCallbackHandler } from "@chainwatch/stdout-stream";
 *
 * const model = new ChatOpenAI({ model: "gpt-4o-mini" });
 * await model.invoke("Tell me a joke", { callbacks: [new StdoutStreamCallbackHandler()] });
 * ```
 */
export class StdoutStreamCallbackHandler extends ChainwatchCallbackHandler<StreamRunState> {
  name = "stdout_stream";
  /** Makes `invoke()` stream so tokens reach this handler; never `lc_prefer_chat_model_stream_events`. */
  lc_prefer_streaming = true;

  private readonly config: ResolvedOptions;
  private readonly channel: StreamChannel;
  private readonly format: EventFormat;
  private readonly mode: ConcurrencyMode;
  private readonly palette: Palette;
  private readonly output: RunOutput;
  private readonly inspectChunks: boolean;
  private readonly reasoningChannel: StreamChannel | undefined;
  private readonly footer: { channel: StreamChannel; palette: Palette } | undefined;
  private readonly errors: { channel: StreamChannel; palette: Palette } | undefined;
  private readonly progress: ProgressEvents;
  /** Exclusive mode with progress events: a root run's whole turn is one block. */
  private readonly blocksByTrace: boolean;
  private readonly reportSink = (method: string, error: unknown): void => this.guard.report(method, error);

  constructor(options: StdoutStreamOptions = {}) {
    const config = resolveOptions(options);
    super("stdout_stream", options, { _awaitHandler: options.awaitHandlers === true });
    this.config = config;
    this.channel = this.openChannel(config.stream);
    this.palette = paletteFor(
      config.format === "text" && shouldColor(config.color, config.stream as OutputStream, config.env),
    );
    this.format = eventFormat(config.format, this.palette);
    // Events carry their run id; line prefixes only make sense for text.
    this.mode =
      config.concurrency === "prefix" && config.format !== "text" ? "interleave" : config.concurrency;
    this.inspectChunks = config.show === "final" || config.reasoning !== false;
    this.reasoningChannel =
      typeof config.reasoning === "object" ? this.openChannel(config.reasoning) : undefined;
    this.output = new RunOutput(
      this.channel,
      this.format,
      this.mode,
      config.ownerIdleMs,
      this.reasoningChannel,
      () => this.runs.time(),
    );
    this.footer = config.footer ? this.sideOutput(config.footer) : undefined;
    this.errors = config.errorOutput ? this.sideOutput(config.errorOutput) : undefined;
    this.progress = new ProgressEvents(config.progress, this.output, this.format, () => this.runs.time());
    this.blocksByTrace = this.mode === "exclusive" && config.progress.any;
    if (options.socket !== undefined) this.channel.sink.onClose(() => this.socketClosed());
  }

  /**
   * Aborted when the client goes away (the WebSocket or the HTTP response closes): pass it as the run's `signal`
   * so that the model call stops with it.
   */
  get signal(): AbortSignal {
    return this.channel.sink.closedSignal;
  }

  /** Characters dropped because `stream` stopped draining past `maxQueuedChars`, or had closed. */
  get droppedChars(): number {
    return this.channel.sink.droppedChars;
  }

  /**
   * Writes everything still held (runs waiting in `"exclusive"` mode) and resolves once it has all been handed to
   * the streams (call before ending a response).
   */
  async flush(): Promise<void> {
    const channels = this.channels();
    for (const channel of channels) channel.releaseAll();
    await Promise.all(channels.map((channel) => channel.sink.flush()));
  }

  /**
   * Writes everything still held and waits for the streams to drain, at most `closeTimeoutMs`: what a stream that
   * never drains still has queued then is dropped, reported once, and counted in the result.
   */
  async close(): Promise<StreamCloseResult> {
    const channels = this.channels();
    for (const channel of channels) channel.releaseAll();
    const outcomes = await Promise.all(
      channels.map((channel) => channel.sink.close(this.config.closeTimeoutMs)),
    );
    const droppedChars = outcomes.reduce((sum, outcome) => sum + outcome.droppedChars, 0);
    const timedOut = outcomes.some((outcome) => outcome.timedOut);
    if (timedOut) {
      this.guard.report(
        "close",
        new Error(
          `the output stream did not drain within ${this.config.closeTimeoutMs} ms: ${droppedChars} characters dropped at close`,
        ),
      );
    }
    return { droppedChars, timedOut };
  }

  private channels(): StreamChannel[] {
    const all = [this.channel, this.reasoningChannel, this.footer?.channel, this.errors?.channel];
    return [...new Set(all.filter((channel) => channel !== undefined))];
  }

  override handleChatModelStart(
    llm: unknown,
    _messages: unknown,
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): void {
    this.startLLM(llm, runId, parentRunId, extraParams, tags, metadata, runName);
  }

  override handleLLMStart(
    llm: unknown,
    _prompts: string[],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): void {
    this.startLLM(llm, runId, parentRunId, extraParams, tags, metadata, runName);
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
    if (run === undefined) return;
    if (token.length === 0) {
      // Some providers put a chunk's text only in its content blocks.
      token = blockText(fields);
      // Role, finish and usage chunks arrive as "" and carry nothing: they print nothing.
      if (token.length === 0 && !carriesContent(token, fields)) {
        this.runs.touch(run);
        return;
      }
    }
    this.runs.markFirstToken(run);
    const state = run.state;
    if (this.inspectChunks) {
      const delta = tokenDelta(token, fields);
      if (delta.toolCalls.length > 0 && this.config.show === "final") state.hidden = true;
      if (delta.reasoning.length > 0 && !state.hidden) this.output.reasoning(run, delta.reasoning);
    }
    if (token.length === 0) return;
    state.tokens++;
    if (!state.hidden) this.output.text(run, token);
  }

  override handleLLMEnd(output: LLMResult, runId: string): void {
    const run = this.runs.end(runId);
    if (run === undefined) return;
    const state = run.state;
    const calls = toolCallsFromOutput(output);
    if (calls.length > 0 && this.config.show === "final") state.hidden = true;
    // A model that did not stream (`streaming: false`, or no streaming support) prints its answer at the end.
    if (state.tokens === 0 && !state.hidden) {
      const text = outputText(output);
      if (text.length > 0) this.output.text(run, text);
    }
    if (this.config.toolCalls) {
      for (const call of calls) this.output.line(run, this.format.toolCall(run.runId, call));
    }
    const summary = summarize(run, output, this.runs.time());
    const visible = !state.hidden || (this.config.toolCalls && calls.length > 0);
    this.progress.addUsage(run, run.depth === 0 ? run : this.runs.get(run.traceId), output);
    const closing = visible ? this.format.end(run.runId, summary) : "";
    this.output.finish(run, closing, this.progress.runEnd(run));
    if (visible && this.footer) this.footer.channel.sink.write(footerLine(summary, this.footer.palette));
  }

  override handleLLMError(error: unknown, runId: string): void {
    const run = this.runs.end(runId);
    if (run === undefined) return;
    const message = errorMessage(error);
    this.output.finish(run, this.format.error(run.runId, message), this.progress.runError(run, error));
    if (this.errors) {
      const line = `✗ ${run.name} failed: ${truncate(message.replace(/\s+/g, " "), 300)}`;
      this.errors.channel.sink.write(`${this.errors.palette.red(line)}\n`);
    }
  }

  override handleChainStart(
    chain: unknown,
    _inputs: unknown,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runType?: string,
    runName?: string,
  ): void {
    // Chains print only progress events; in prefix mode they give nested runs the label of their whole trace.
    if (this.mode !== "prefix" && !this.progress.kinds.any) return;
    if (this.runs.get(runId) || (this.progress.kinds.any && !this.channel.claim(runId))) return;
    const run = this.start(chainRunType(runType), chain, runId, parentRunId, tags, metadata, runName);
    if (run.depth === 0) this.output.begin(run);
    this.progress.runStart(run);
  }

  override handleChainEnd(_outputs: unknown, runId: string): void {
    const run = this.runs.end(runId);
    if (run) this.output.finish(run, this.progress.runEnd(run));
  }

  override handleChainError(error: unknown, runId: string): void {
    const run = this.runs.end(runId);
    if (run) this.output.finish(run, this.progress.runError(run, error));
  }

  override handleToolStart(
    tool: unknown,
    input: string,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): void {
    if (!this.config.toolCalls && !this.progress.kinds.tool) return;
    if (this.runs.get(runId) || !this.channel.claim(runId)) return;
    const run = this.start("tool", tool, runId, parentRunId, tags, metadata, runName);
    this.output.begin(run);
    this.progress.toolStart(run, input);
  }

  override handleToolEnd(output: unknown, runId: string): void {
    this.toolResult(runId, toolOutputText(output), undefined);
  }

  override handleToolError(error: unknown, runId: string): void {
    this.toolResult(runId, errorMessage(error), error ?? "error");
  }

  override handleRetrieverStart(
    retriever: unknown,
    _query: string,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): void {
    if (!this.progress.kinds.retriever || this.runs.get(runId) || !this.channel.claim(runId)) return;
    const run = this.start("retriever", retriever, runId, parentRunId, tags, metadata, runName);
    this.output.begin(run);
    this.progress.retrieverStart(run);
  }

  override handleRetrieverEnd(documents: unknown, runId: string): void {
    const run = this.runs.end(runId);
    if (run === undefined) return;
    this.progress.retrieverEnd(run, documents);
    this.output.finish(run, "");
  }

  override handleRetrieverError(error: unknown, runId: string): void {
    const run = this.runs.end(runId);
    if (run === undefined) return;
    this.progress.retrieverEnd(run, undefined, error ?? "error");
    this.output.finish(run, "");
  }

  protected override onRunEvicted(run: TrackedRun<StreamRunState>): void {
    // Chains are tracked without a claim in prefix mode with no progress: they never wrote.
    if (run.runType !== "llm" && run.runType !== "tool" && !this.progress.kinds.any) return;
    this.output.finish(run, "");
  }

  private startLLM(
    llm: unknown,
    runId: string,
    parentRunId: string | undefined,
    extraParams: unknown,
    tags: unknown,
    metadata: unknown,
    runName: unknown,
  ): void {
    // The same instance attached twice sees the start twice; a second instance on this stream sees it claimed.
    if (this.runs.get(runId) || !this.channel.claim(runId)) return;
    const run = this.trackLLMStart(
      llm,
      runId,
      parentRunId,
      extraParams,
      tags,
      metadata,
      runName,
      newRunState(),
    );
    this.label(run);
    this.output.begin(run);
    this.progress.runStart(run);
    this.progress.modelStart(run);
  }

  /** Tracks a chain, tool or retriever run, labelled and placed in its trace's block. */
  private start(
    runType: "chain" | "prompt" | "tool" | "retriever",
    serialized: unknown,
    runId: string,
    parentRunId: string | undefined,
    tags: unknown,
    metadata: unknown,
    runName: unknown,
  ): TrackedRun<StreamRunState> {
    const run = this.trackStart(
      runType,
      serialized,
      runId,
      parentRunId,
      tags,
      metadata,
      runName,
      newRunState(),
    );
    this.label(run);
    return run;
  }

  private label(run: TrackedRun<StreamRunState>): void {
    this.channel.sink.reporter = this.reportSink;
    run.state.label = runLabel(run.traceId);
    if (this.mode === "prefix") run.state.prefix = this.palette.dim(`[${run.state.label}] `);
    if (this.blocksByTrace && run.depth > 0) run.state.unit = this.runs.get(run.traceId);
  }

  private toolResult(runId: string, result: string, error: unknown): void {
    const run = this.runs.end(runId);
    if (run === undefined) return;
    this.progress.toolEnd(run, error);
    if (this.config.toolCalls) {
      this.output.line(run, this.format.toolResult(run.runId, run.name, result, error !== undefined));
    }
    this.output.finish(run, "");
  }

  /** The client closed the socket: the runs still going are stopped (`signal`) and reported once. */
  private socketClosed(): void {
    let inFlight = 0;
    for (const run of this.runs.values()) if (run.runType === "llm") inFlight++;
    if (inFlight === 0) return;
    this.guard.report(
      "socket",
      new Error(`the WebSocket closed with ${inFlight} model call(s) in progress: their output is dropped`),
    );
  }

  private sideOutput(stream: OutputStream): { channel: StreamChannel; palette: Palette } {
    const color = shouldColor(this.config.color, stream, this.config.env);
    return { channel: this.openChannel(stream), palette: paletteFor(color) };
  }

  /** The stream's shared channel; its failures (EPIPE, …) go to this handler's guard until another claims it. */
  private openChannel(stream: ResolvedOptions["stream"]): StreamChannel {
    const channel = channelFor(stream, this.config.maxQueuedChars);
    channel.sink.reporter = this.reportSink;
    return channel;
  }
}
