import { pathToFileURL } from "node:url";
import {
  type FakeOpenAI,
  type FakeOpenAIOptions,
  type FakeScript,
  fakeChatOpenAI,
  startFakeOpenAI,
} from "@chainwatch/testkit";
import { ChatOpenAI, type ChatOpenAIFields } from "@langchain/openai";

/** A chat model for an example, and how to clean up after it. */
export interface ExampleModel {
  model: ChatOpenAI;
  /** True when talking to the real OpenAI API. */
  live: boolean;
  /** The embedded server, when there is no API key. */
  server: FakeOpenAI | undefined;
  close: () => Promise<void>;
}

/**
 * With `OPENAI_API_KEY` set: the real API (`OPENAI_MODEL`, default gpt-4o-mini). Without it: the testkit's
 * OpenAI-compatible server on 127.0.0.1, answering from `script` (`server` options: e.g. a human streaming pace), with
 * usage counted from the text as the API would. Examples never use `streaming: true` with
 * `invoke()`, which stalls offline while it downloads a tokenizer.
 */
export async function exampleModel(
  script?: FakeScript,
  fields: ChatOpenAIFields = {},
  server: FakeOpenAIOptions = {},
): Promise<ExampleModel> {
  const apiKey = process.env.OPENAI_API_KEY;
  if (apiKey) {
    return {
      model: new ChatOpenAI({ model: process.env.OPENAI_MODEL ?? "gpt-4o-mini", apiKey, ...fields }),
      live: true,
      server: undefined,
      close: async () => {},
    };
  }
  const fake = await startFakeOpenAI(script, server);
  return { model: fakeChatOpenAI(fake, fields), live: false, server: fake, close: () => fake.close() };
}

/** Runs `main` when the file is executed directly (not when the demo imports it). */
export function runIfMain(moduleUrl: string, main: () => Promise<void>): void {
  const entry = process.argv[1];
  if (entry && moduleUrl === pathToFileURL(entry).href) {
    main().catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
  }
}

/** A heading for each section of the demo. */
export function heading(
  title: string,
  write: (text: string) => void = (text) => void process.stdout.write(text),
): void {
  write(`\n=== ${title} ===\n`);
}
