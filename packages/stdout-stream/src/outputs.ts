import { channelFor, type StreamChannel } from "./channel.js";
import { type Palette, paletteFor, shouldColor } from "./color.js";
import { type EventFormat, eventFormat } from "./format.js";
import type { ResolvedOptions } from "./options.js";
import { RunOutput } from "./run-output.js";
import type { SinkFailureReporter } from "./sink.js";
import type { ConcurrencyMode, OutputStream, StreamCloseResult } from "./types.js";

/** A writable beside the main output (footer, error lines) with its own colour decision. */
export interface SideOutput {
  channel: StreamChannel;
  palette: Palette;
}

/**
 * Everything one handler writes to: the main channel (a writable or a WebSocket) with its format and run output,
 * the reasoning, footer and error writables, and how they are flushed and closed.
 */
export class HandlerOutputs {
  readonly channel: StreamChannel;
  readonly format: EventFormat;
  readonly mode: ConcurrencyMode;
  readonly palette: Palette;
  readonly run: RunOutput;
  readonly footer: SideOutput | undefined;
  readonly errors: SideOutput | undefined;
  private readonly reasoning: StreamChannel | undefined;

  constructor(
    private readonly config: ResolvedOptions,
    private readonly reporter: SinkFailureReporter,
    now: () => number,
  ) {
    this.channel = this.open(config.stream);
    this.palette = paletteFor(
      config.format === "text" && shouldColor(config.color, config.stream as OutputStream, config.env),
    );
    this.format = eventFormat(config.format, this.palette);
    // Events carry their run id; line prefixes only make sense for text.
    this.mode =
      config.concurrency === "prefix" && config.format !== "text" ? "interleave" : config.concurrency;
    this.reasoning = typeof config.reasoning === "object" ? this.open(config.reasoning) : undefined;
    this.run = new RunOutput(this.channel, this.format, this.mode, config.ownerIdleMs, this.reasoning, now);
    this.footer = config.footer ? this.side(config.footer) : undefined;
    this.errors = config.errorOutput ? this.side(config.errorOutput) : undefined;
  }

  /** Makes this handler the one told about the main stream's failures (the last to write to it). */
  claimReports(): void {
    this.channel.sink.reporter = this.reporter;
  }

  /** Writes everything still held, then waits until it has all been handed to the streams. */
  async flush(): Promise<void> {
    const channels = this.channels();
    for (const channel of channels) channel.releaseAll();
    await Promise.all(channels.map((channel) => channel.sink.flush()));
  }

  /** Writes everything held; waits at most `closeTimeoutMs` for the streams to drain, then drops the rest. */
  async close(): Promise<StreamCloseResult> {
    const channels = this.channels();
    for (const channel of channels) channel.releaseAll();
    const outcomes = await Promise.all(
      channels.map((channel) => channel.sink.close(this.config.closeTimeoutMs)),
    );
    return {
      droppedChars: outcomes.reduce((sum, outcome) => sum + outcome.droppedChars, 0),
      timedOut: outcomes.some((outcome) => outcome.timedOut),
    };
  }

  private channels(): StreamChannel[] {
    const all = [this.channel, this.reasoning, this.footer?.channel, this.errors?.channel];
    return [...new Set(all.filter((channel) => channel !== undefined))];
  }

  private side(stream: OutputStream): SideOutput {
    const color = shouldColor(this.config.color, stream, this.config.env);
    return { channel: this.open(stream), palette: paletteFor(color) };
  }

  /** The stream's shared channel; its failures (EPIPE, …) go to this handler's guard until another claims it. */
  private open(stream: ResolvedOptions["stream"]): StreamChannel {
    const channel = channelFor(stream, this.config.maxQueuedChars);
    channel.sink.reporter = this.reporter;
    return channel;
  }
}
