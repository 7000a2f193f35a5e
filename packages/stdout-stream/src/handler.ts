import {
  ChainwatchCallbackHandler,
  carriesContent,
  outputText,
  type TokenFields,
  type TrackedRun,
  tokenDelta,
  toolCallsFromOutput,
  truncate,
} from "@chainwatch/core";
import type { LLMResult } from "@langchain/core/outputs";
import { blockText, errorMessage, toolOutputText } from "./extract.js";
import { footerLine } from "./format.js";
import { type ResolvedOptions, resolveOptions } from "./options.js";
import { HandlerOutputs } from "./outputs.js";
import { ProgressEvents } from "./progress.js";
import { newRunState, type StreamRunState } from "./run-output.js";
import { runLabel, summarize } from "./summary.js";
import type { StdoutStreamOptions, StreamCloseResult } from "./types.js";

type Run = TrackedRun<StreamRunState>;

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
  private readonly out: HandlerOutputs;
  private readonly inspectChunks: boolean;
  private readonly progress: ProgressEvents;
  /** Exclusive mode with progress events: a root run's whole turn is one block. */
  private readonly blocksByTrace: boolean;
  /**
   * What this handler prints of a run's content, read by `withRedaction` (`@chainwatch/pii-redact`) so that it
   * redacts what is printed and nothing else: models' answers, tool calls, tool results and errors, and a tool's
   * input only with `progress.toolInput`; never a prompt, and never what chains pass along (chains show by name).
   */
  readonly recordedContent: { content: "full"; inputs: boolean; chains: false };

  constructor(options: StdoutStreamOptions = {}) {
    const config = resolveOptions(options);
    // LangChain's own handler flags (`ignore*`, `raiseError`) pass through; `awaitHandlers` is ours to document.
    super("stdout_stream", options, { ...options, _awaitHandler: options.awaitHandlers === true });
    this.config = config;
    this.recordedContent = { content: "full", inputs: config.progress.toolInput, chains: false };
    const now = (): number => this.runs.time();
    this.out = new HandlerOutputs(config, (method, error) => this.guard.report(method, error), now);
    this.inspectChunks = config.show === "final" || config.reasoning !== false;
    this.progress = new ProgressEvents(config.progress, this.out.run, this.out.format, now);
    this.blocksByTrace = this.out.mode === "exclusive" && config.progress.any;
    // LangChain skips the events this handler has no use for (a user's own ignore* flags stay as given).
    if (this.out.mode !== "prefix" && !config.progress.any) this.ignoreChain = true;
    if (!config.toolCalls && !config.progress.tool) this.ignoreAgent = true;
    if (!config.progress.retriever) this.ignoreRetriever = true;
    if (options.socket !== undefined) this.out.channel.sink.onClose(() => this.socketClosed());
  }

  /** Characters dropped because `stream` stopped draining past `maxQueuedChars`, or had closed. */
  get droppedChars(): number {
    return this.out.channel.sink.droppedChars;
  }

  /**
   * Aborted when the client goes away (the WebSocket or the HTTP response closes): pass it as the run's `signal`
   * so that the model call stops with it.
   */
  get signal(): AbortSignal {
    return this.out.channel.sink.closedSignal;
  }

  /**
   * Writes everything still held (runs waiting in `"exclusive"` mode) and resolves once it has all been handed to
   * the streams (call before ending a response).
   */
  flush(): Promise<void> {
    return this.out.flush();
  }

  /**
   * Writes everything still held and waits for the streams to drain, at most `closeTimeoutMs`: what a stream that
   * never drains still has queued then is dropped, reported once, and counted in the result.
   */
  async close(): Promise<StreamCloseResult> {
    const result = await this.out.close();
    if (result.timedOut) {
      const message = `the output stream did not drain within ${this.config.closeTimeoutMs} ms: ${result.droppedChars} characters dropped at close`;
      this.guard.report("close", new Error(message));
    }
    return result;
  }

  protected override createRunState(): StreamRunState {
    return newRunState();
  }

  protected override onModelStart(run: Run): void {
    // A second handler instance on this stream sees the run already claimed: the first one prints it.
    if (!this.claim(run)) return;
    this.out.run.begin(run);
    this.progress.runStart(run);
    this.progress.modelStart(run);
  }

  protected override onToken(run: Run, token: string, fields: TokenFields): void {
    const state = run.state;
    if (state.skip) return;
    if (token.length === 0) {
      // Some providers put a chunk's text only in its content blocks.
      token = blockText(fields);
      // Role, finish and usage chunks arrive as "" and carry nothing: they print nothing.
      if (token.length === 0 && !carriesContent(token, fields)) return;
    }
    if (this.inspectChunks) {
      const delta = tokenDelta(token, fields);
      if (delta.toolCalls.length > 0 && this.config.show === "final") state.hidden = true;
      if (delta.reasoning.length > 0 && !state.hidden) this.out.run.reasoning(run, delta.reasoning);
    }
    if (token.length === 0) return;
    state.tokens++;
    if (!state.hidden) this.out.run.text(run, token);
  }

  protected override onModelEnd(run: Run, output: LLMResult): void {
    const state = run.state;
    if (state.skip) return;
    const calls = toolCallsFromOutput(output);
    if (calls.length > 0 && this.config.show === "final") state.hidden = true;
    // A model that did not stream (`streaming: false`, or no streaming support) prints its answer at the end.
    if (state.tokens === 0 && !state.hidden) {
      const text = outputText(output);
      if (text.length > 0) this.out.run.text(run, text);
    }
    if (this.config.toolCalls) {
      for (const call of calls) this.out.run.line(run, this.out.format.toolCall(run.runId, call));
    }
    const summary = summarize(run, output, this.runs.time());
    const visible = !state.hidden || (this.config.toolCalls && calls.length > 0);
    this.progress.addUsage(run, run.depth === 0 ? run : this.runs.get(run.traceId), output);
    const closing = visible ? this.out.format.end(run.runId, summary) : "";
    this.out.run.finish(run, closing, this.progress.runEnd(run));
    const footer = this.out.footer;
    if (visible && footer) footer.channel.sink.write(footerLine(summary, footer.palette));
  }

  protected override onModelError(run: Run, error: unknown): void {
    if (run.state.skip) return;
    const message = errorMessage(error);
    this.out.run.finish(run, this.out.format.error(run.runId, message), this.progress.runError(run, error));
    const errors = this.out.errors;
    if (errors) {
      const line = `✗ ${run.name} failed: ${truncate(message.replace(/\s+/g, " "), 300)}`;
      errors.channel.sink.write(`${errors.palette.red(line)}\n`);
    }
  }

  protected override onChainStart(run: Run): void {
    // Chains print only progress events; in prefix mode they give nested runs the label of their whole trace.
    if (!this.progress.kinds.any) {
      run.state.skip = true;
      return;
    }
    if (!this.claim(run)) return;
    if (run.depth === 0) this.out.run.begin(run);
    this.progress.runStart(run);
  }

  protected override onChainEnd(run: Run): void {
    if (!run.state.skip) this.out.run.finish(run, this.progress.runEnd(run));
  }

  protected override onChainError(run: Run, error: unknown): void {
    if (!run.state.skip) this.out.run.finish(run, this.progress.runError(run, error));
  }

  protected override onToolStart(run: Run, input: string): void {
    if (!this.claim(run)) return;
    this.out.run.begin(run);
    this.progress.toolStart(run, input);
  }

  protected override onToolEnd(run: Run, output: unknown): void {
    this.toolResult(run, toolOutputText(output), undefined);
  }

  protected override onToolError(run: Run, error: unknown): void {
    this.toolResult(run, errorMessage(error), error ?? "error");
  }

  protected override onRetrieverStart(run: Run): void {
    if (!this.claim(run)) return;
    this.out.run.begin(run);
    this.progress.retrieverStart(run);
  }

  protected override onRetrieverEnd(run: Run, documents: readonly unknown[]): void {
    if (run.state.skip) return;
    this.progress.retrieverEnd(run, documents);
    this.out.run.finish(run, "");
  }

  protected override onRetrieverError(run: Run, error: unknown): void {
    if (run.state.skip) return;
    this.progress.retrieverEnd(run, undefined, error ?? "error");
    this.out.run.finish(run, "");
  }

  protected override onRunEvicted(run: Run): void {
    if (!run.state.skip) this.out.run.finish(run, "");
  }

  /** Claims a run on the stream for this handler, labels it and places it in its trace's block. */
  private claim(run: Run): boolean {
    if (!this.out.channel.claim(run.runId)) {
      run.state.skip = true;
      return false;
    }
    this.out.claimReports();
    run.state.label = runLabel(run.traceId);
    if (this.out.mode === "prefix") run.state.prefix = this.out.palette.dim(`[${run.state.label}] `);
    if (this.blocksByTrace && run.depth > 0) run.state.unit = this.runs.get(run.traceId);
    return true;
  }

  private toolResult(run: Run, result: string, error: unknown): void {
    if (run.state.skip) return;
    this.progress.toolEnd(run, error);
    if (this.config.toolCalls) {
      this.out.run.line(run, this.out.format.toolResult(run.runId, run.name, result, error !== undefined));
    }
    this.out.run.finish(run, "");
  }

  /** The client closed the socket: the runs still going are stopped (`signal`) and reported once. */
  private socketClosed(): void {
    let inFlight = 0;
    for (const run of this.runs.values()) if (run.runType === "llm" && !run.state.skip) inFlight++;
    if (inFlight === 0) return;
    const message = `the WebSocket closed with ${inFlight} model call(s) in progress: their output is dropped`;
    this.guard.report("socket", new Error(message));
  }
}
