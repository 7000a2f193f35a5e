/**
 * Base class for errors a handler throws on purpose to stop a run (a budget, a PII guard). The guard lets these
 * through; every other error a handler raises is caught and reported.
 */
export class RunBlockedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** What a reporter is told about a handler's own failure. */
export interface HandlerErrorContext {
  /** The handler's `name`. */
  handler: string;
  /** The callback method (`handleLLMNewToken`, …) or sink (`write`) that failed. */
  method: string;
}

/** Receives a handler's own failures: the first of each method, not one per token. */
export type HandlerErrorReporter = (error: unknown, context: HandlerErrorContext) => void;

/** Default reporter: one process warning (stderr), which never reaches a handler's own sink. */
export const warnOnce: HandlerErrorReporter = (error, context) => {
  const message = error instanceof Error ? error.message : String(error);
  process.emitWarning(
    `${context.handler} failed in ${context.method}: ${message} (the run goes on; later failures of ${context.method} are counted, not reported)`,
    { code: "CHAINWATCH_HANDLER_ERROR" },
  );
};

type AnyMethod = (...args: unknown[]) => unknown;

/** Whether a callback returned a promise (or any object with a `then`) to wait for. Internal to core. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function"
  );
}

/**
 * Catches and reports a handler's own failures so they never reach the user's run. Each method's first
 * failure goes to the reporter; later ones are only counted. {@link RunBlockedError}s pass through.
 */
export class HandlerGuard {
  private readonly reported = new Set<string>();
  private failures = 0;

  constructor(
    private readonly handlerName: string,
    private readonly reporter: HandlerErrorReporter = warnOnce,
  ) {}

  /** Failures caught since construction (reported or not). */
  get errorCount(): number {
    return this.failures;
  }

  /** Records a failure; reports it if it is the first for this method. Never throws. */
  report(method: string, error: unknown): void {
    this.failures++;
    if (this.reported.has(method)) return;
    this.reported.add(method);
    try {
      this.reporter(error, { handler: this.handlerName, method });
    } catch {
      // A failing reporter must not turn a handler failure into a run failure either.
    }
  }

  /**
   * Wraps a method so that it never throws (or rejects) into the caller, except with a RunBlockedError.
   * Fixed arity rather than rest parameters: this sits on the per-token path.
   */
  wrap<F extends AnyMethod>(method: string, fn: F, self: unknown): F {
    const settle = (result: unknown): unknown => {
      if (!isThenable(result)) return result;
      return Promise.resolve(result).catch((error: unknown) => {
        if (error instanceof RunBlockedError) throw error;
        this.report(method, error);
      });
    };
    const wrapped = (
      a: unknown,
      b: unknown,
      c: unknown,
      d: unknown,
      e: unknown,
      f: unknown,
      g: unknown,
      h: unknown,
    ) => {
      try {
        return settle(fn.call(self, a, b, c, d, e, f, g, h));
      } catch (error) {
        if (error instanceof RunBlockedError) throw error;
        this.report(method, error);
        return undefined;
      }
    };
    return wrapped as unknown as F;
  }
}
