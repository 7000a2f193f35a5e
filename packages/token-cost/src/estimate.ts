import { contentText } from "@chainwatch/core";
import type { Tiktoken } from "js-tiktoken/lite";

type EncodingName = "o200k_base" | "cl100k_base";

/** Models that use cl100k_base; everything else is counted with o200k_base (GPT-4o and later). */
const CL100K = /^(gpt-4(?!o|\.\d|-?turbo-2024)|gpt-3\.5|text-embedding-(ada|3))/i;

const encoders = new Map<EncodingName, Promise<Tiktoken>>();
/** Encoders already loaded, for estimates that must be answered synchronously (a cost source's). */
const loaded = new Map<EncodingName, Tiktoken>();

/**
 * Loads an encoding from js-tiktoken's bundled ranks (a package import, never a download), once per process.
 */
function encoder(name: EncodingName): Promise<Tiktoken> {
  let pending = encoders.get(name);
  if (pending === undefined) {
    pending = (async () => {
      const { Tiktoken } = await import("js-tiktoken/lite");
      const ranks =
        name === "cl100k_base"
          ? (await import("js-tiktoken/ranks/cl100k_base")).default
          : (await import("js-tiktoken/ranks/o200k_base")).default;
      const tiktoken = new Tiktoken(ranks);
      loaded.set(name, tiktoken);
      return tiktoken;
    })();
    // A failed load is retried on the next estimate rather than cached.
    pending.catch(() => encoders.delete(name));
    encoders.set(name, pending);
  }
  return pending;
}

/** The encoding used to estimate a model's tokens. */
export function encodingFor(model: string | undefined): EncodingName {
  return model !== undefined && CL100K.test(model) ? "cl100k_base" : "o200k_base";
}

function messageText(message: unknown): string {
  if (typeof message === "string") return message;
  if (typeof message !== "object" || message === null) return "";
  const record = message as { content?: unknown; tool_calls?: unknown };
  let text = contentText(record.content);
  if (Array.isArray(record.tool_calls) && record.tool_calls.length > 0) {
    text += JSON.stringify(record.tool_calls);
  }
  return text;
}

/** Like {@link estimateTokens}, but undefined when the model's encoding is not loaded yet. */
export function estimateTokensNow(
  model: string | undefined,
  prompts: unknown,
  outputTexts: readonly string[],
): { inputTokens: number; outputTokens: number } | undefined {
  const encoding = loaded.get(encodingFor(model));
  return encoding === undefined ? undefined : count(encoding, prompts, outputTexts);
}

/**
 * Estimated input and output tokens of a call, counted as OpenAI's chat format does (3 tokens of framing per
 * message, 3 to prime the reply). `prompts` are the start callback's messages (chat) or prompt strings (LLMs).
 */
export async function estimateTokens(
  model: string | undefined,
  prompts: unknown,
  outputTexts: readonly string[],
): Promise<{ inputTokens: number; outputTokens: number }> {
  return count(await encoder(encodingFor(model)), prompts, outputTexts);
}

function count(
  encoding: Tiktoken,
  prompts: unknown,
  outputTexts: readonly string[],
): { inputTokens: number; outputTokens: number } {
  let inputTokens = 0;
  for (const prompt of Array.isArray(prompts) ? prompts : []) {
    if (Array.isArray(prompt)) {
      for (const message of prompt) inputTokens += encoding.encode(messageText(message)).length + 3;
      inputTokens += 3;
    } else {
      inputTokens += encoding.encode(messageText(prompt)).length;
    }
  }
  let outputTokens = 0;
  for (const text of outputTexts) outputTokens += encoding.encode(text).length;
  return { inputTokens, outputTokens };
}

/** The text (and tool calls) of each prompt's first generation: what an estimate counts as output. */
export function generationTexts(output: unknown): string[] {
  const generations = (output as { generations?: unknown } | undefined)?.generations;
  if (!Array.isArray(generations)) return [];
  const texts: string[] = [];
  for (const perPrompt of generations) {
    const first: unknown = Array.isArray(perPrompt) ? perPrompt[0] : undefined;
    if (typeof first !== "object" || first === null) continue;
    const { text, message } = first as { text?: unknown; message?: { tool_calls?: unknown } };
    let all = typeof text === "string" ? text : "";
    const calls = message?.tool_calls;
    if (Array.isArray(calls) && calls.length > 0) all += JSON.stringify(calls);
    texts.push(all);
  }
  return texts;
}
