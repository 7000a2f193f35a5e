import { FULL_LIMITS, type RenderLimits, renderValue } from "./render.js";
import type { ContentMode, MaskFunction } from "./types.js";

/** Puts inputs and outputs into records according to the content mode, through the mask. */
export class ContentPolicy {
  /** False in `"none"` mode: records carry no inputs or outputs at all. */
  readonly enabled: boolean;
  private readonly limits: RenderLimits;

  constructor(
    mode: ContentMode,
    private readonly maxLength: number,
    private readonly mask: MaskFunction | undefined,
  ) {
    this.enabled = mode !== "none";
    this.limits = mode === "full" ? FULL_LIMITS : { maxString: maxLength, maxItems: 100, maxDepth: 8 };
  }

  /**
   * Sets `record[field]` to the rendered value. The mask sees the whole value as plain JSON (rendered without
   * cuts, so a secret is never half-cut past its detector); cuts come after it. A string that was cut also gets
   * `<field>_length`, its original length. A throwing mask throws: the record is dropped rather than written
   * unmasked. `key` is where the value goes when it differs from the field name the mask is told.
   */
  add(record: Record<string, unknown>, event: string, field: string, value: unknown, key = field): void {
    if (!this.enabled) return;
    let input = value;
    if (this.mask) input = this.mask(renderValue(value, FULL_LIMITS), { event, field });
    if (typeof input === "string" && input.length > this.limits.maxString)
      record[`${key}_length`] = input.length;
    record[key] = renderValue(input, this.limits);
  }

  /** An error message through the mask (errors are logged in every mode). */
  maskMessage(event: string, message: string): string {
    if (!this.mask) return message;
    const masked = this.mask(message, { event, field: "err.message" });
    return typeof masked === "string" ? masked : (JSON.stringify(renderValue(masked, this.limits)) ?? "");
  }

  /** Longest error message kept. */
  get errorMessageLength(): number {
    return this.maxLength;
  }
}
