/** Marks a shape whose every value (a map of user-chosen keys, such as a price table) has the given shape. */
export const EACH_VALUE: unique symbol = Symbol("chainwatch.eachValue");

/**
 * The option keys a constructor or factory knows. Each key maps to `true` (a known key whose value is not checked
 * for keys: a scalar, a function, an instance, or a free-form map such as labels or metadata) or to the nested
 * shape of a plain-object value (checked the same way, also inside arrays of plain objects). `boolean` is accepted
 * so that an unannotated `{ key: true }` literal type-checks; `false` means the same as `true`.
 */
export interface OptionShape {
  readonly [key: string]: OptionShape | boolean;
  /** Set by {@link eachValue}: every value of a map with user-chosen keys has this shape. */
  readonly [EACH_VALUE]?: OptionShape;
}

/**
 * The shape of a map whose keys are the user's (model names, label names) and whose values each have `shape`.
 *
 * @example
 * ```ts
 * validateOptions("PriceBook", prices, { models: eachValue({ input: true, output: true }) });
 * ```
 */
export function eachValue(shape: OptionShape): OptionShape {
  return { [EACH_VALUE]: shape };
}

/** The keys of LangChain's own `BaseCallbackHandlerInput` (and `awaitHandlers`), accepted by every handler. */
export const LANGCHAIN_HANDLER_KEYS: OptionShape = {
  raiseError: true,
  awaitHandlers: true,
  _awaitHandler: true,
  ignoreLLM: true,
  ignoreChain: true,
  ignoreAgent: true,
  ignoreRetriever: true,
  ignoreCustomEvent: true,
};

/** The keys of the `runs` option (run-tracker bounds) every chainwatch handler accepts. */
export const RUNS_OPTION_SHAPE: OptionShape = {
  maxRuns: true,
  ttlMs: true,
  now: true,
};

/**
 * The option shape of a chainwatch handler: its own keys plus the base class's (`runs`, `onHandlerError`) and
 * LangChain's handler flags (`raiseError`, `ignoreLLM`, …).
 */
export function handlerOptionShape(own: OptionShape): OptionShape {
  return { ...LANGCHAIN_HANDLER_KEYS, runs: RUNS_OPTION_SHAPE, onHandlerError: true, ...own };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Levenshtein distance, case-insensitive: option names are short, so the quadratic table is cheap. */
function editDistance(a: string, b: string): number {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i++) {
    const current = [i];
    for (let j = 1; j <= right.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (left[i - 1] === right[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[right.length] ?? 0;
}

/** The known key closest to `key`, if it is close enough to be a plausible typo or a shortened name. */
function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(key, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  const lower = key.toLowerCase();
  const contained = known.find((candidate) => lower.length >= 3 && candidate.toLowerCase().includes(lower));
  if (bestDistance <= Math.max(2, Math.floor(key.length / 3))) return best;
  return contained;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return `${typeof value} ${String(value).slice(0, 40)}`;
}

function check(owner: string, value: Record<string, unknown>, shape: OptionShape, path: string): void {
  const each = shape[EACH_VALUE];
  if (each !== undefined) {
    for (const [key, entry] of Object.entries(value)) checkValue(owner, entry, each, `${path}${key}`);
    return;
  }
  for (const key of Object.keys(value)) {
    // Own keys only: "toString" or "constructor" must not pass as known through the prototype.
    const expected = Object.hasOwn(shape, key) ? shape[key] : undefined;
    if (expected === undefined) {
      const known = Object.keys(shape);
      const suggestion = closestKey(key, known);
      const where = path === "" ? "" : ` of "${path.slice(0, -1)}"`;
      throw new TypeError(
        `${owner}: unknown option "${path}${key}".${suggestion === undefined ? "" : ` Did you mean "${path}${suggestion}"?`}` +
          ` Known options${where}: ${known.join(", ")}`,
      );
    }
    if (typeof expected === "object") checkValue(owner, value[key], expected, `${path}${key}`);
  }
}

function checkValue(owner: string, value: unknown, shape: OptionShape, path: string): void {
  if (isPlainObject(value)) {
    check(owner, value, shape, `${path}.`);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => {
      if (isPlainObject(item)) check(owner, item, shape, `${path}[${index}].`);
    });
  }
}

/**
 * Refuses option keys the owner does not know, nested ones included, so that a typo (`{ budget: { usd: 1 } }`)
 * fails where it is written instead of silently doing nothing. Constructor-time only: call it once, before using
 * the options. Values are the owner's to validate; only plain objects (and plain objects inside arrays) are
 * descended into, so instances, functions and free-form maps marked `true` pass as they are.
 *
 * @param owner what the user called (`"TokenCostCallbackHandler"`, `"createRedactor"`): starts every message
 * @param options the options as given; `undefined` means none
 * @param shape the known keys ({@link OptionShape}); for handlers build it with {@link handlerOptionShape}
 * @throws TypeError for options that are not a plain object, or for an unknown key: the message names the full
 * key path, suggests the closest known key and lists the known ones
 *
 * @example
 * ```ts
 * validateOptions("MyCallbackHandler", options, handlerOptionShape({ level: true, budget: { usd: true } }));
 * ```
 */
export function validateOptions(owner: string, options: unknown, shape: OptionShape): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(`${owner}: options must be an object, got ${describe(options)}`);
  }
  // Class instances are accepted as they are (a handler's copy() may pass one); only their own keys are checked.
  check(owner, options as Record<string, unknown>, shape, "");
}
