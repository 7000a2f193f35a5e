import { type Logger, pino } from "pino";
import { serializeErr } from "./errors.js";
import { RunSelection } from "./selection.js";
import type {
  ContentMode,
  EventLevel,
  MaskFunction,
  PinoCallbackHandlerOptions,
  PinoEventLevels,
  PinoLogger,
} from "./types.js";

/** The level of every kind of event, resolved. */
export type ResolvedLevels = Required<PinoEventLevels>;

/** Options after defaults and validation. */
export interface ResolvedOptions {
  logger: Logger;
  levels: ResolvedLevels;
  content: ContentMode;
  maxLength: number;
  mask: MaskFunction | undefined;
  metadataKeys: readonly string[];
  selection: RunSelection;
}

const DEFAULT_LEVELS: ResolvedLevels = {
  start: "debug",
  end: "info",
  error: "error",
  firstToken: "debug",
  token: false,
  agent: "info",
  custom: "info",
};

const CONTENT_MODES: readonly ContentMode[] = ["none", "truncate", "full"];

function fail(message: string): never {
  throw new TypeError(`PinoCallbackHandler: ${message}`);
}

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function resolveLevels(logger: PinoLogger, levels: PinoEventLevels | undefined): ResolvedLevels {
  const resolved: ResolvedLevels = { ...DEFAULT_LEVELS };
  if (levels === undefined) return resolved;
  if (typeof levels !== "object" || levels === null)
    fail(`levels must be an object, got ${describe(levels)}`);
  for (const [kind, level] of Object.entries(levels) as [keyof ResolvedLevels, EventLevel | undefined][]) {
    if (!(kind in DEFAULT_LEVELS)) {
      fail(`levels.${kind} is not an event kind (expected one of ${Object.keys(DEFAULT_LEVELS).join(", ")})`);
    }
    if (level === undefined) continue;
    if (
      level !== false &&
      (typeof level !== "string" ||
        level === "silent" ||
        typeof (logger as unknown as Record<string, unknown>)[level] !== "function")
    ) {
      fail(`levels.${kind} must be a level of the logger or false, got ${describe(level)}`);
    }
    resolved[kind] = level;
  }
  return resolved;
}

/** Applies defaults and throws a TypeError naming the bad value for any invalid option. */
export function resolveOptions(options: PinoCallbackHandlerOptions): ResolvedOptions {
  if (typeof options !== "object" || options === null)
    fail(`options must be an object, got ${describe(options)}`);
  const base: PinoLogger = options.logger ?? pino();
  if (typeof base?.child !== "function" || typeof base.isLevelEnabled !== "function") {
    fail(`logger must be a pino logger, got ${describe(base)}`);
  }
  const content = options.content ?? "truncate";
  if (!CONTENT_MODES.includes(content)) {
    fail(`content must be one of ${CONTENT_MODES.join(", ")}, got ${describe(content)}`);
  }
  const maxLength = options.maxLength ?? 2048;
  if (!Number.isInteger(maxLength) || maxLength < 1) {
    fail(`maxLength must be a positive integer, got ${describe(maxLength)}`);
  }
  if (options.mask !== undefined && typeof options.mask !== "function") {
    fail(`mask must be a function, got ${describe(options.mask)}`);
  }
  const metadataKeys = options.metadataKeys ?? [];
  if (!Array.isArray(metadataKeys) || metadataKeys.some((key) => typeof key !== "string")) {
    fail(`metadataKeys must be an array of strings, got ${describe(metadataKeys)}`);
  }
  const sample = options.sample ?? 1;
  if (typeof sample !== "number" || !(sample >= 0 && sample <= 1)) {
    fail(`sample must be a number from 0 to 1, got ${describe(sample)}`);
  }
  const filter = options.filter ?? {};
  if (typeof filter !== "object" || filter === null)
    fail(`filter must be an object, got ${describe(filter)}`);
  for (const key of ["runTypes", "ignoreNames", "ignoreTags"] as const) {
    if (filter[key] !== undefined && !Array.isArray(filter[key])) {
      fail(`filter.${key} must be an array, got ${describe(filter[key])}`);
    }
  }
  // A child, so the handler's `err` serializer never replaces the application's own.
  // Typed as a plain Logger: custom level names are checked above, at run time.
  const logger = base.child({}, { serializers: { err: serializeErr } }) as Logger;
  return {
    logger,
    levels: resolveLevels(base, options.levels),
    content,
    maxLength,
    mask: options.mask,
    metadataKeys,
    selection: new RunSelection(sample, filter),
  };
}
