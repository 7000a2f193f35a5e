import type { TrackedRun } from "@chainwatch/core";
import type { StreamChannel } from "./channel.js";
import type { EventFormat } from "./format.js";
import type { ConcurrencyMode } from "./types.js";

/** Per-run state: what this run has written, so that its output is closed properly. */
export interface StreamRunState {
  /** Short run label (end of the trace id) and, in prefix mode, the rendered line prefix. */
  label: string;
  prefix: string;
  /** Text tokens received (the tokens-per-second fallback when no usage is reported). */
  tokens: number;
  /** The last thing this run wrote to the stream did not end with a newline. */
  openLine: boolean;
  /** The last piece written inline was reasoning: the answer starts on a new line. */
  inReasoning: boolean;
  /** `show: "final"` and the run turned out to call tools: an intermediate step. */
  hidden: boolean;
  /** Reasoning sent to its own writable ended mid-line. */
  reasoningOpenLine: boolean;
  /**
   * The run whose block this run's output belongs to in the channel: itself, or (exclusive mode with progress
   * events) its root run, so that one conversation turn is one block, progress events included.
   */
  unit: TrackedRun<StreamRunState> | undefined;
  /** Another handler on this stream prints the run (or it is a chain with nothing to print): ignored. */
  skip: boolean;
  /** Usage summed over the model calls of a root run (for its `run-end` event). */
  usage: { inputTokens: number; outputTokens: number; totalTokens: number } | undefined;
}

/** Fresh state for a run. */
export function newRunState(): StreamRunState {
  return {
    label: "",
    prefix: "",
    tokens: 0,
    openLine: false,
    inReasoning: false,
    hidden: false,
    reasoningOpenLine: false,
    unit: undefined,
    skip: false,
    usage: undefined,
  };
}

type Run = TrackedRun<StreamRunState>;

function unitOf(run: Run): Run {
  return run.state.unit ?? run;
}

/** The run's block, kept active by the run's own activity (the idle check looks at the block). */
function activeUnit(run: Run): Run {
  const unit = run.state.unit;
  if (unit === undefined) return run;
  unit.lastSeen = run.lastSeen;
  return unit;
}

const endsWithNewline = (text: string): boolean => text.charCodeAt(text.length - 1) === 10;

/**
 * Writes one handler's runs to their channel: formats each piece, keeps each run's lines closed (reasoning, then
 * the answer on its own line, tool lines on lines of their own, a newline at the end) and passes the concurrency
 * mode along.
 */
export class RunOutput {
  constructor(
    private readonly channel: StreamChannel,
    private readonly format: EventFormat,
    private readonly mode: ConcurrencyMode,
    ownerIdleMs: number,
    private readonly reasoningChannel: StreamChannel | undefined,
    private readonly now: () => number,
  ) {
    if (mode === "exclusive") channel.configureExclusive(now, ownerIdleMs);
  }

  /** A run starts writing (in exclusive mode: takes the stream or waits); runs inside a block do not. */
  begin(run: Run): void {
    if (unitOf(run) === run) this.channel.begin(run, this.mode);
  }

  /** Answer text, as it arrives. On the per-token path: `run.lastSeen` is the clock reading just taken. */
  text(run: Run, text: string): void {
    const state = run.state;
    let out = this.format.token(run.runId, text);
    if (state.inReasoning) {
      state.inReasoning = false;
      if (this.format.text && state.openLine) out = `\n${out}`;
    }
    state.openLine = !endsWithNewline(text);
    this.channel.write(activeUnit(run), out, this.mode, run.lastSeen, state.prefix);
  }

  /** Reasoning text: inline (dim, or `reasoning` events), or plain to its own writable. */
  reasoning(run: Run, text: string): void {
    const state = run.state;
    if (this.reasoningChannel) {
      this.reasoningChannel.sink.write(text);
      state.reasoningOpenLine = !endsWithNewline(text);
      return;
    }
    let out = this.format.reasoning(run.runId, text);
    if (!state.inReasoning && this.format.text && state.openLine) out = `\n${out}`;
    state.inReasoning = true;
    state.openLine = !endsWithNewline(text);
    this.channel.write(activeUnit(run), out, this.mode, run.lastSeen, state.prefix);
  }

  /** A whole line (tool call, tool result) or event, on a line of its own. */
  line(run: Run, line: string): void {
    const state = run.state;
    const out = this.format.text && state.openLine && this.mode !== "prefix" ? `\n${line}` : line;
    state.openLine = false;
    state.inReasoning = false;
    this.channel.write(unitOf(run), out, this.mode, this.now(), state.prefix);
  }

  /**
   * Closes a run's output: its open line, then `closing` (end, error and run-end events: one write each, so that
   * a message sink sends one message per event), and frees the stream.
   */
  finish(run: Run, ...closing: string[]): void {
    const state = run.state;
    const lineEnd = this.format.text && state.openLine ? "\n" : "";
    state.openLine = false;
    const unit = unitOf(run);
    const parts = closing.filter((part) => part !== "");
    const last = unit === run ? lineEnd + (this.format.text ? parts.join("") : (parts.pop() ?? "")) : "";
    const before = unit === run ? (this.format.text ? [] : parts) : [lineEnd, ...parts];
    for (const part of before) {
      if (part !== "") this.channel.write(unit, part, this.mode, this.now(), state.prefix);
    }
    if (unit === run) this.channel.end(run, this.mode, last);
    else this.channel.unclaim(run.runId);
    if (state.reasoningOpenLine) {
      state.reasoningOpenLine = false;
      this.reasoningChannel?.sink.write("\n");
    }
  }
}
