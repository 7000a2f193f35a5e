import {
  type CostFunction,
  extractUsage,
  firstMessage,
  type ModelStartInput,
  responseModel,
  type TrackedRun,
} from "@chainwatch/core";
import type { Attributes } from "@opentelemetry/api";
import {
  contentText,
  finishReasons,
  inputMessageAttributes,
  outputMessagesJson,
  requestAttributes,
  responseId,
  usageAttributes,
} from "./attributes.js";
import * as semconv from "./semconv.js";

/**
 * The name and start attributes of a model call's span: `chat {model}` (or `text_completion`), provider, model,
 * request parameters and, when `maxContent` > 0 (content on), the input messages and system instructions.
 */
export function modelStart(
  run: TrackedRun<unknown>,
  input: ModelStartInput,
  maxContent: number,
): { name: string; attributes: Attributes } {
  const operation = input.kind === "chat" ? semconv.OPERATION.chat : semconv.OPERATION.textCompletion;
  const attributes: Attributes = { [semconv.ATTR_GEN_AI_OPERATION_NAME]: operation };
  const provider = semconv.providerName(run.provider);
  if (provider !== undefined) attributes[semconv.ATTR_GEN_AI_PROVIDER_NAME] = provider;
  if (run.model !== undefined) attributes[semconv.ATTR_GEN_AI_REQUEST_MODEL] = run.model;
  requestAttributes(input.invocationParams, attributes);
  if (maxContent > 0) {
    if (input.kind === "chat") {
      inputMessageAttributes(
        input.messages[0] ?? [],
        maxContent,
        attributes,
        semconv.ATTR_GEN_AI_INPUT_MESSAGES,
        semconv.ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
      );
    } else {
      attributes[semconv.ATTR_GEN_AI_INPUT_MESSAGES] = contentText(
        [{ role: "user", parts: [{ type: "text", content: input.prompts[0] ?? "" }] }],
        maxContent,
      );
    }
  }
  return { name: run.model === undefined ? operation : `${operation} ${run.model}`, attributes };
}

/**
 * The end attributes of a model call's span: response model and id, finish reasons, token usage, the USD cost
 * when a cost source is given and, when `maxContent` > 0, the output messages.
 */
export function modelEnd(
  run: TrackedRun<unknown>,
  output: unknown,
  cost: CostFunction | undefined,
  maxContent: number,
): Attributes {
  const attributes: Attributes = {};
  const model = responseModel(output);
  if (model !== undefined) attributes[semconv.ATTR_GEN_AI_RESPONSE_MODEL] = model;
  const id = responseId(firstMessage(output));
  if (id !== undefined) attributes[semconv.ATTR_GEN_AI_RESPONSE_ID] = id;
  const reasons = finishReasons(output);
  if (reasons.length > 0) attributes[semconv.ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = reasons;
  const usage = extractUsage(output);
  if (usage !== undefined) usageAttributes(usage, attributes);
  if (cost !== undefined) {
    const usd = cost(output, { model: run.model, provider: run.provider });
    if (usd !== undefined) attributes[semconv.ATTR_COST_USD] = usd;
  }
  if (maxContent > 0)
    attributes[semconv.ATTR_GEN_AI_OUTPUT_MESSAGES] = outputMessagesJson(output, maxContent);
  return attributes;
}
