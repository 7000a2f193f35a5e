import type { OutputStream } from "./types.js";

/** Reports a sink failure to the guard of a handler writing to it. */
export type SinkFailureReporter = (method: string, error: unknown) => void;

/** Where a channel's output goes: a writable ({@link StreamSink}) or a WebSocket (`WebSocketSink`). */
export interface OutputSink {
  /** Characters dropped because the queue was full or the destination had closed. */
  droppedChars: number;
  /** Receives the destination's error and a queue overflow (set by the handlers that write here). */
  reporter: SinkFailureReporter | undefined;
  /** Most characters waiting for the destination before output is dropped. */
  readonly maxQueuedChars: number;
  /** Text output has lines to close between runs (a message sink does not). */
  readonly lineOriented: boolean;
  /** Whether output still reaches the destination. */
  readonly open: boolean;
  /** Characters waiting to go out. */
  readonly pendingChars: number;
  /** One piece of output (for a message sink: one message). Never throws, never blocks. */
  write(text: string): void;
  /** Resolves once what is queued has gone out (or the destination has closed). */
  flush(): Promise<void>;
  /** Like `flush()`, at most `timeoutMs`; then what is still waiting is dropped and counted. */
  close(timeoutMs: number): Promise<SinkCloseResult>;
  /** Aborted when the destination closes (a client that went away). */
  readonly closedSignal: AbortSignal;
  /** Called once when the destination closes. */
  onClose(listener: () => void): void;
}

/** What closing a sink dropped. */
export interface SinkCloseResult {
  droppedChars: number;
  timedOut: boolean;
}

interface StreamState {
  destroyed?: boolean;
  writableEnded?: boolean;
}

/**
 * One writable, written without ever blocking or throwing: while `write()` returns false, output waits in a
 * bounded queue and goes out on `'drain'`; an `'error'` (EPIPE when the reader of a pipe has gone, a client that
 * disconnected) or `'close'` stops all writing. The stream gets one `'error'` listener for its lifetime, so an
 * error never becomes an uncaught exception.
 */
export class StreamSink implements OutputSink {
  /** Characters dropped because the queue was full or the stream had closed. */
  droppedChars = 0;
  /** Receives the stream's error and a queue overflow (set by the handlers that write here). */
  reporter: SinkFailureReporter | undefined;
  private readonly queue: string[] = [];
  private queuedChars = 0;
  private waitingForDrain = false;
  private closed = false;
  private flushWaiters: (() => void)[] = [];
  private readonly controller = new AbortController();
  private readonly closeListeners: (() => void)[] = [];

  constructor(
    readonly stream: OutputStream,
    readonly maxQueuedChars: number,
  ) {
    stream.on("error", (error: unknown) => this.fail("write", error));
    stream.on("close", () => this.stop());
  }

  /** Text output has lines to close between runs (a message sink does not). */
  readonly lineOriented: boolean = true;

  /** Whether output still reaches the stream. */
  get open(): boolean {
    return !this.closed;
  }

  get closedSignal(): AbortSignal {
    return this.controller.signal;
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  /** Characters waiting for `'drain'`. */
  get pendingChars(): number {
    return this.queuedChars;
  }

  write(text: string): void {
    if (text.length === 0) return;
    if (this.closed) {
      this.droppedChars += text.length;
      return;
    }
    if (this.waitingForDrain) {
      if (this.queuedChars + text.length > this.maxQueuedChars) {
        this.droppedChars += text.length;
        this.reporter?.(
          "backpressure",
          new Error(
            `the output stream is not draining: more than ${this.maxQueuedChars} characters queued, dropping output`,
          ),
        );
        return;
      }
      this.queue.push(text);
      this.queuedChars += text.length;
      return;
    }
    const state = this.stream as StreamState;
    if (state.destroyed === true || state.writableEnded === true) {
      // Closed before any 'close' event reached us (for example destroyed before the handler was attached).
      this.fail("write", new Error("the output stream is closed (destroyed or ended): output is dropped"));
      this.droppedChars += text.length;
      return;
    }
    let accepted: boolean;
    try {
      accepted = this.stream.write(text);
    } catch (error) {
      this.fail("write", error);
      return;
    }
    if (!accepted && !this.closed) {
      this.waitingForDrain = true;
      this.stream.once("drain", this.onDrain);
    }
  }

  /** Resolves once the queue has been handed to the stream (or the stream has closed). */
  flush(): Promise<void> {
    if (!this.waitingForDrain || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.flushWaiters.push(resolve));
  }

  /**
   * Waits for the queue to drain, at most `timeoutMs`; then drops what is still queued (the stream is not
   * draining) and resolves with how many characters that was.
   */
  async close(timeoutMs: number): Promise<SinkCloseResult> {
    if (!this.waitingForDrain || this.closed) return { droppedChars: 0, timedOut: false };
    const timedOut = await withTimeout(this.flush(), timeoutMs);
    if (!timedOut) return { droppedChars: 0, timedOut: false };
    const dropped = this.queuedChars;
    this.droppedChars += dropped;
    this.queue.length = 0;
    this.queuedChars = 0;
    this.settleFlush();
    return { droppedChars: dropped, timedOut: true };
  }

  private readonly onDrain = (): void => {
    this.waitingForDrain = false;
    if (this.queue.length > 0) {
      const text = this.queue.join("");
      this.queue.length = 0;
      this.queuedChars = 0;
      this.write(text);
    }
    if (!this.waitingForDrain) this.settleFlush();
  };

  private fail(method: string, error: unknown): void {
    const wasOpen = !this.closed;
    this.stop();
    if (wasOpen) this.reporter?.(method, error);
  }

  private stop(): void {
    if (!this.closed) {
      this.controller.abort(new Error("the output stream closed"));
      for (const listener of this.closeListeners.splice(0)) listener();
    }
    this.closed = true;
    this.droppedChars += this.queuedChars;
    this.queue.length = 0;
    this.queuedChars = 0;
    if (this.waitingForDrain) {
      this.waitingForDrain = false;
      this.stream.removeListener("drain", this.onDrain);
    }
    this.settleFlush();
  }

  private settleFlush(): void {
    const waiters = this.flushWaiters;
    if (waiters.length === 0) return;
    this.flushWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** Whether `promise` did not settle within `timeoutMs` (the timer never outlives it). */
export async function withTimeout(promise: Promise<void>, timeoutMs: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = await Promise.race([
    promise.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  return timedOut;
}
