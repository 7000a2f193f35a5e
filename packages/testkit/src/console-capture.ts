import { format } from "node:util";

/** What a capture holds. */
export interface ConsoleCapture {
  /** Every captured line, in order, as `<method>: <text>` (`warning: <name>: <message>` for process warnings). */
  readonly lines: string[];
  /** The captured lines joined with newlines, for `toMatch`. */
  text(): string;
  /** Puts `console` and `process.emitWarning` back. Idempotent. */
  restore(): void;
}

type ConsoleMethod = "error" | "warn" | "log" | "info" | "debug";

/**
 * Captures what a test expects to be printed — LangChain's `Error in handler …` line, the OpenAI SDK's `Could not
 * parse message into JSON`, a process warning — so that a green run prints nothing that looks like an error and the
 * test can assert the line instead. Captures `console.error` and `console.warn` by default, and `process.emitWarning`
 * always. Restore it in `finally` or `afterEach`; LangChain reports handler errors from its background queue, so
 * `await awaitAllCallbacks()` before restoring.
 *
 * @example
 * ```ts
 * const output = captureConsole();
 * try {
 *   await model.invoke("hi", { callbacks: [failingHandler] });
 *   await awaitAllCallbacks();
 * } finally {
 *   output.restore();
 * }
 * expect(output.text()).toMatch(/Error in handler/);
 * ```
 */
export function captureConsole(methods: readonly ConsoleMethod[] = ["error", "warn"]): ConsoleCapture {
  const lines: string[] = [];
  const originals = methods.map((method) => [method, console[method]] as const);
  for (const method of methods) {
    console[method] = (...args: unknown[]) => {
      lines.push(`${method}: ${format(...args)}`);
    };
  }
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const type =
      typeof warning === "string"
        ? ((typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: string } | undefined)?.type) ??
          "Warning")
        : warning.name;
    lines.push(`warning: ${type}: ${typeof warning === "string" ? warning : warning.message}`);
  }) as typeof process.emitWarning;
  let restored = false;
  return {
    lines,
    text: () => lines.join("\n"),
    restore() {
      if (restored) return;
      restored = true;
      for (const [method, original] of originals) console[method] = original;
      process.emitWarning = emitWarning;
    },
  };
}
