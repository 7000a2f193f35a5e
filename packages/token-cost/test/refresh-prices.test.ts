import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type FakeOpenAI, fakeChatOpenAI, startFakeOpenAI } from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { findProvider } from "@pydantic/genai-prices";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { computeCost, refreshPrices, TokenCostCallbackHandler } from "../src/index.js";

// This file replaces genai-prices' process-wide data; vitest gives each test file its own module graph.

let fake: FakeOpenAI;
let priceServer: Server;
let priceUrl: string;
const fetched: string[] = [];
const realFetch = globalThis.fetch;

beforeAll(async () => {
  fake = await startFakeOpenAI({ usage: { promptTokens: 1_000_000, completionTokens: 0 } });
  const openai = findProvider({ providerId: "openai" });
  const gpt4oMini = openai?.models.find((model) => model.id === "gpt-4o-mini");
  const data = [{ ...openai, models: [{ ...gpt4oMini, prices: { input_mtok: 1, output_mtok: 1 } }] }];
  priceServer = createServer((_req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(data));
  });
  await new Promise<void>((resolve) => priceServer.listen(0, "127.0.0.1", resolve));
  priceUrl = `http://127.0.0.1:${(priceServer.address() as AddressInfo).port}/data.json`;
  globalThis.fetch = ((input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    fetched.push(String(input instanceof Request ? input.url : input));
    return realFetch(input, init);
  }) as typeof fetch;
});

afterAll(async () => {
  globalThis.fetch = realFetch;
  await fake.close();
  await new Promise((resolve) => priceServer.close(resolve));
});

describe("prices and the network", () => {
  it("pricing calls touches no network beyond the model's own requests, estimation included", async () => {
    const handler = new TokenCostCallbackHandler();
    const model = fakeChatOpenAI(fake);
    await model.invoke("priced", { callbacks: [handler] });
    fake.setScript({ usage: null });
    for await (const _ of await fakeChatOpenAI(fake, { streamUsage: false }).stream("estimated", {
      callbacks: [handler],
    }));
    fake.setScript({ usage: { promptTokens: 1_000_000, completionTokens: 0 } });
    await awaitAllCallbacks();
    expect(handler.records.map((record) => record.estimated)).toEqual([false, true]);
    expect(fetched.length).toBeGreaterThan(0);
    expect(fetched.every((url) => url.startsWith(fake.url))).toBe(true);
  });

  it("refreshPrices is the opt-in: it loads newer data and handlers drop their cached resolutions", async () => {
    const handler = new TokenCostCallbackHandler();
    const model = fakeChatOpenAI(fake);
    await model.invoke("before", { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(handler.records[0]?.cost?.totalUsd).toBeCloseTo(0.15, 12);

    await expect(refreshPrices({ url: priceUrl })).resolves.toEqual({ providers: 1 });
    expect(fetched.at(-1)).toBe(priceUrl);

    await model.invoke("after", { callbacks: [handler] });
    await awaitAllCallbacks();
    expect(handler.records[1]?.cost?.totalUsd).toBeCloseTo(1, 12);
    expect(
      computeCost({ model: "gpt-4o-mini", provider: "openai", usage: { inputTokens: 1_000_000 } }).cost
        ?.totalUsd,
    ).toBeCloseTo(1, 12);
  });

  it("a failed refresh rejects and keeps the data in use", async () => {
    // genai-prices says so on the console itself: captured and checked, so a green run prints no error line.
    const warned = vi.spyOn(console, "warn").mockImplementation(() => {});
    const errored = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      await expect(refreshPrices({ url: `${fake.url}/no-such-file.json` })).rejects.toThrow(/HTTP 404/);
      const lines = [...warned.mock.calls, ...errored.mock.calls].map((call) => String(call[0]));
      expect(lines).toEqual([expect.stringMatching(/genai-prices: provider data update rejected.*HTTP 404/)]);
    } finally {
      warned.mockRestore();
      errored.mockRestore();
    }
    expect(
      computeCost({ model: "gpt-4o-mini", provider: "openai", usage: { inputTokens: 1_000_000 } }).cost
        ?.totalUsd,
    ).toBeCloseTo(1, 12);
  });
});
