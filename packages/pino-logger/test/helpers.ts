import type { CallbackMethod } from "@chainwatch/core";
import { type Level, type Logger, pino } from "pino";

/** One parsed record as pino wrote it. */
export type LoggedRecord = Record<string, unknown> & { msg: string; level: number };

/** A real pino logger writing to memory: the raw lines (to search every byte) and the parsed records. */
export interface CapturedLogger {
  logger: Logger;
  lines: string[];
  records: () => LoggedRecord[];
  /** Records with this `msg`. */
  events: (msg: string) => LoggedRecord[];
}

/** A pino logger at `level` whose destination keeps every line in memory. */
export function captureLogger(
  level: Level | "silent" = "trace",
  options: pino.LoggerOptions = {},
): CapturedLogger {
  const lines: string[] = [];
  const logger = pino({ level, ...options }, { write: (line: string) => void lines.push(line) });
  const records = () => lines.map((line) => JSON.parse(line) as LoggedRecord);
  return { logger, lines, records, events: (msg) => records().filter((record) => record.msg === msg) };
}

/** Consumes a `.stream()` and returns its text. */
export async function drain(pending: Promise<AsyncIterable<{ content: unknown }>>): Promise<string> {
  let text = "";
  for await (const chunk of await pending) text += typeof chunk.content === "string" ? chunk.content : "";
  return text;
}

/** LangChain's callback methods as the tests call them directly (the base class installs them per instance). */
export type DirectCallbacks = Record<CallbackMethod, (...args: unknown[]) => unknown>;

/** The handler's callback methods, called directly as LangChain would. */
export function callbacks(handler: object): DirectCallbacks {
  return handler as DirectCallbacks;
}
