import { ChatOpenAI, type ChatOpenAIFields } from "@langchain/openai";
import type { FakeOpenAI } from "./fake-openai.js";

/** The API key the test models send: recognisable, so a test can search logs and output for it. */
export const TEST_API_KEY = "sk-chainwatch-test-0123456789abcdefSECRET";

/**
 * A `ChatOpenAI` wired to a fake server: `gpt-4o-mini`, the test API key, no retries (tests that want retries
 * pass `maxRetries`). Any field can be overridden; `configuration` is merged.
 */
export function fakeChatOpenAI(
  server: Pick<FakeOpenAI, "baseURL">,
  fields: ChatOpenAIFields = {},
): ChatOpenAI {
  const { configuration, ...rest } = fields;
  return new ChatOpenAI({
    model: "gpt-4o-mini",
    apiKey: TEST_API_KEY,
    maxRetries: 0,
    ...rest,
    configuration: { baseURL: server.baseURL, ...configuration },
  });
}
