import { ChainwatchCallbackHandler, type ChainwatchHandlerOptions } from "@chainwatch/core";

/** Raw values a test prompt is full of; none may reach a wrapped handler. */
export const RAW_VALUES = {
  email: "maria.gonzalez@example.org",
  card: "4111 1111 1111 1111",
  iban: "DE89 3704 0044 0532 0130 00",
  phone: "+44 20 7946 0958",
  ssn: "536-22-8726",
  apiKey: "sk-proj-Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz",
} as const;

/** A prompt carrying every raw value. */
export const PII_PROMPT = `Hi, I am writing from ${RAW_VALUES.email}. My card ${RAW_VALUES.card} was charged twice; refund to ${RAW_VALUES.iban}. Call me on ${RAW_VALUES.phone}. SSN ${RAW_VALUES.ssn}. Our key is ${RAW_VALUES.apiKey}.`;

/** Fails when any raw value (or its compact form) appears in the text. */
export function leakedValues(text: string): string[] {
  const compact = text.replace(/[\s-]/g, "");
  return Object.values(RAW_VALUES).filter(
    (value) => text.includes(value) || compact.includes(value.replace(/[\s-]/g, "")),
  );
}

interface LineOptions extends ChainwatchHandlerOptions {
  write: (line: string) => void;
}

/** A minimal chainwatch handler writing one line per model run end, for conformance through the wrapper. */
export class LineHandler extends ChainwatchCallbackHandler<{ tokens: number }> {
  name = "line_handler";
  private readonly write: (line: string) => void;

  constructor(options: LineOptions) {
    super("line_handler", options);
    this.write = options.write;
  }

  override handleChatModelStart(
    llm: unknown,
    _messages: unknown,
    runId: string,
    parentRunId?: string,
    extraParams?: unknown,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ) {
    this.trackLLMStart(llm, runId, parentRunId, extraParams, tags, metadata, runName, { tokens: 0 });
  }

  override handleLLMNewToken(token: string, _idx: unknown, runId: string) {
    const run = this.runs.get(runId);
    if (run && token !== "") run.state.tokens++;
  }

  override handleLLMEnd(_output: unknown, runId: string) {
    const run = this.runs.end(runId);
    this.write(`${run?.model} tokens=${run?.state.tokens}`);
  }

  override handleLLMError(_error: unknown, runId: string) {
    this.runs.end(runId);
  }
}

/**
 * Runs `run` with console.error and console.warn captured: LangChain prints a handler's error there ("Error in
 * handler …") before it rethrows it (raiseError) or goes on. Returns what was printed, for the test to assert.
 */
export async function capturePrintedErrors(run: () => Promise<void>): Promise<string[]> {
  const printed: string[] = [];
  const keep = (...args: unknown[]) => void printed.push(args.map(String).join(" "));
  const original = { error: console.error, warn: console.warn };
  console.error = keep;
  console.warn = keep;
  try {
    await run();
  } finally {
    console.error = original.error;
    console.warn = original.warn;
  }
  return printed;
}
