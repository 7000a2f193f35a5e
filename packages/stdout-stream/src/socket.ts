import { type OutputSink, type SinkCloseResult, type SinkFailureReporter, withTimeout } from "./sink.js";

/**
 * What the handler needs of a WebSocket: the `ws` package's server-side `WebSocket` fits (it is never imported:
 * any object of this shape works, so `ws` is an optional peer dependency).
 */
export interface WebSocketLike {
  /** `1` (OPEN) while messages can be sent. */
  readonly readyState: number;
  /** Bytes sent and not yet handed to the network. */
  readonly bufferedAmount: number;
  send(data: string): void;
  on(event: "close", listener: () => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
}

const OPEN = 1;

/** The TCP socket under a `ws` WebSocket (its `_socket`), when there is one to cork. */
interface Corkable {
  cork(): void;
  uncork(): void;
}

function rawSocket(socket: WebSocketLike): Corkable | undefined {
  const raw = (socket as { _socket?: Partial<Corkable> })._socket;
  return typeof raw?.cork === "function" && typeof raw.uncork === "function" ? (raw as Corkable) : undefined;
}
/** How often `flush()` looks at `bufferedAmount` (a WebSocket has no 'drain' event). */
const FLUSH_POLL_MS = 10;

/** Whether a value is a WebSocket rather than a writable stream. */
export function isWebSocket(value: unknown): value is WebSocketLike {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { send?: unknown }).send === "function" &&
    typeof (value as { bufferedAmount?: unknown }).bufferedAmount === "number" &&
    typeof (value as { readyState?: unknown }).readyState === "number" &&
    typeof (value as { on?: unknown }).on === "function"
  );
}

/**
 * One WebSocket, one message per event. The socket's own send buffer is the queue: while `bufferedAmount` would
 * pass `maxQueuedChars`, messages are dropped and counted (a client that stops reading never grows the server's
 * memory past the bound), and the overflow is reported. A socket that closes stops all sending and aborts
 * `closedSignal`.
 */
export class WebSocketSink implements OutputSink {
  droppedChars = 0;
  reporter: SinkFailureReporter | undefined;
  readonly lineOriented = false;
  private closed = false;
  private readonly controller = new AbortController();
  private readonly closeListeners: (() => void)[] = [];
  private flushWaiters: (() => void)[] = [];
  private poll: ReturnType<typeof setTimeout> | undefined;
  /** The messages of one event-loop turn go out in one write (one syscall) instead of one each. */
  private readonly raw: Corkable | undefined;
  private corked = false;

  constructor(
    readonly socket: WebSocketLike,
    readonly maxQueuedChars: number,
  ) {
    // One 'error' listener for the socket's lifetime: a socket error never becomes an uncaught exception.
    socket.on("error", (error: Error) => this.fail(error));
    socket.on("close", () => this.stop());
    this.raw = rawSocket(socket);
  }

  get open(): boolean {
    return !this.closed && this.socket.readyState === OPEN;
  }

  get pendingChars(): number {
    return this.closed ? 0 : this.socket.bufferedAmount;
  }

  /** Aborted when the socket closes: pass it as a run's `signal` so that the work stops with the client. */
  get closedSignal(): AbortSignal {
    return this.controller.signal;
  }

  /** Called once when the socket closes. */
  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  write(text: string): void {
    if (text.length === 0) return;
    if (!this.open) {
      if (!this.closed && this.socket.readyState > OPEN) this.stop();
      this.droppedChars += text.length;
      return;
    }
    if (this.socket.bufferedAmount + text.length > this.maxQueuedChars) {
      this.droppedChars += text.length;
      this.reporter?.(
        "backpressure",
        new Error(
          `the WebSocket client is not reading: more than ${this.maxQueuedChars} characters buffered, dropping output`,
        ),
      );
      return;
    }
    try {
      if (this.raw !== undefined && !this.corked) {
        this.raw.cork();
        this.corked = true;
        setImmediate(this.uncork);
      }
      this.socket.send(text);
    } catch (error) {
      this.droppedChars += text.length;
      this.fail(error);
    }
  }

  flush(): Promise<void> {
    if (this.pendingChars === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.flushWaiters.push(resolve);
      this.watch();
    });
  }

  /** Waits for the send buffer to empty, at most `timeoutMs`; what it still holds then is counted as dropped. */
  async close(timeoutMs: number): Promise<SinkCloseResult> {
    if (this.pendingChars === 0) return { droppedChars: 0, timedOut: false };
    const timedOut = await withTimeout(this.flush(), timeoutMs);
    if (!timedOut) return { droppedChars: 0, timedOut: false };
    // Already handed to the socket and not recallable: counted as not delivered.
    const dropped = this.pendingChars;
    this.droppedChars += dropped;
    this.settleFlush();
    return { droppedChars: dropped, timedOut: true };
  }

  private readonly uncork = (): void => {
    this.corked = false;
    try {
      this.raw?.uncork();
    } catch (error) {
      this.fail(error);
    }
  };

  private watch(): void {
    if (this.poll !== undefined) return;
    this.poll = setTimeout(() => {
      this.poll = undefined;
      if (this.pendingChars === 0) this.settleFlush();
      else if (this.flushWaiters.length > 0) this.watch();
    }, FLUSH_POLL_MS);
    this.poll.unref?.();
  }

  private fail(error: unknown): void {
    const wasOpen = !this.closed;
    this.stop();
    if (wasOpen) this.reporter?.("write", error);
  }

  private stop(): void {
    if (this.closed) return;
    this.closed = true;
    this.settleFlush();
    this.controller.abort(new Error("the WebSocket closed"));
    const listeners = this.closeListeners.splice(0);
    for (const listener of listeners) listener();
  }

  private settleFlush(): void {
    if (this.poll !== undefined) {
      clearTimeout(this.poll);
      this.poll = undefined;
    }
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
