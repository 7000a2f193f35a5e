import { isBaseMessage } from "@langchain/core/messages";
import { ChatPromptValue, StringPromptValue } from "@langchain/core/prompt_values";
import { RunnableLambda } from "@langchain/core/runnables";
import { createRedactor, type Redactor } from "./redactor.js";

/**
 * A runnable step that redacts a model's input before it reaches the model: put it between the prompt and the
 * model (`prompt.pipe(piiRedactionStep()).pipe(model)`) when personal data must not reach a provider at all.
 * Unlike the callback handlers, which only observe, this one changes the input: the model sees placeholders.
 * Accepts what a chat model accepts (a string, messages, a prompt value) and returns the same kind; any other
 * value is deep-redacted. The step's own chain events carry the raw input: wrap observers in
 * {@link withRedaction} too.
 */
export function piiRedactionStep(redactor: Redactor = createRedactor()): RunnableLambda<unknown, unknown> {
  return RunnableLambda.from((input: unknown): unknown => {
    if (typeof input === "string") return redactor.redactText(input);
    if (input instanceof StringPromptValue) return new StringPromptValue(redactor.redactText(input.value));
    if (input instanceof ChatPromptValue) return new ChatPromptValue(redactor.redactValue(input.messages));
    if (Array.isArray(input) || isBaseMessage(input)) return redactor.redactValue(input);
    return redactor.redactValue(input);
  }).withConfig({ runName: "PiiRedaction" }) as RunnableLambda<unknown, unknown>;
}
