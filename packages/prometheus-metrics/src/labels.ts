/** The value recorded for a label once its cap is reached (the GenAI conventions' fallback value). */
export const OTHER = "_OTHER";

/** Longest label value kept; longer ones are cut (model names are the longest legitimate values). */
const MAX_VALUE_LENGTH = 120;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Throws unless `name` is a valid Prometheus label name that is not reserved (`__` prefix). */
export function assertLabelName(name: string, where: string): void {
  if (!LABEL_NAME.test(name) || name.startsWith("__")) {
    throw new TypeError(
      `PrometheusCallbackHandler: ${where} ${JSON.stringify(name)} is not a valid Prometheus label name (want [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__")`,
    );
  }
}

/** A metadata key turned into a label name: invalid characters become `_`, a leading digit gets a `_`. */
export function labelNameFor(key: string): string {
  const replaced = key.replace(/[^a-zA-Z0-9_]/g, "_");
  return /^[0-9]/.test(replaced) ? `_${replaced}` : replaced;
}

/**
 * Admits at most `limit` distinct values for one label; later new values become {@link OTHER}. Shared by every
 * handler on a registry, so the bound holds for the registry, not per handler. Memory is bounded by the limit.
 */
export class LabelValueCap {
  private readonly admitted = new Set<string>();
  private overflowCount = 0;
  private exportedCount = 0;

  constructor(
    readonly label: string,
    readonly limit: number,
  ) {}

  /** Values refused since construction. */
  get overflowed(): number {
    return this.overflowCount;
  }

  /** Values refused and not yet exported to the overflow counter (read at scrape time). */
  pendingOverflows(): number {
    return this.overflowCount - this.exportedCount;
  }

  /** Marks `count` refused values as exported, once the overflow counter took them. */
  exported(count: number): void {
    this.exportedCount += count;
  }

  /** The value to record: itself if admitted (or room remains), else `_OTHER`. Empty stays empty. */
  admit(raw: string | undefined): string {
    if (raw === undefined || raw === "") return "";
    const value = raw.length > MAX_VALUE_LENGTH ? raw.slice(0, MAX_VALUE_LENGTH) : raw;
    if (this.admitted.has(value)) return value;
    if (this.admitted.size >= this.limit) {
      this.overflowCount++;
      return OTHER;
    }
    this.admitted.add(value);
    return value;
  }
}

/** A metadata value as a label value: strings, numbers and booleans only; anything else is empty. */
export function metadataValue(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}
