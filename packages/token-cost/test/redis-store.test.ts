import {
  type FakeOpenAI,
  fakeChatOpenAI,
  type RedisServer,
  startFakeOpenAI,
  startRedis,
} from "@chainwatch/testkit";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { Redis } from "ioredis";
import { createClient } from "redis";
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  type MockInstance,
  vi,
} from "vitest";
import {
  BudgetExceededError,
  type BudgetStore,
  BudgetStoreError,
  TokenCostCallbackHandler,
} from "../src/index.js";
import { redisBudgetStore } from "../src/redis.js";

let redis: RedisServer;
let server: FakeOpenAI;
const clients: { quit(): Promise<unknown> }[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
let printed: MockInstance<typeof console.error>;

beforeAll(async () => {
  [redis, server] = await Promise.all([startRedis(), startFakeOpenAI()]);
  process.on("unhandledRejection", onUnhandled);
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.quit().catch(() => {})));
  await Promise.all([redis.stop(), server.close()]);
  process.off("unhandledRejection", onUnhandled);
});
beforeEach(() => {
  // LangChain's own line for a refused call (see the README), captured and checked.
  printed = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  for (const call of printed.mock.calls) {
    expect(String(call[0])).toMatch(
      /^Error in handler TokenCostCallbackHandler, handleLLMStart: Budget(Exceeded|Store)Error/,
    );
  }
  printed.mockRestore();
  expect(unhandled).toEqual([]);
});

function ioredis(): Redis {
  const client = new Redis({ port: redis.port, host: "127.0.0.1", lazyConnect: false });
  client.on("error", () => {});
  clients.push(client);
  return client;
}

async function nodeRedis(): Promise<BudgetStore> {
  const client = createClient({ socket: { port: redis.port, host: "127.0.0.1" } });
  client.on("error", () => {});
  await client.connect();
  clients.push({ quit: () => client.quit() });
  return redisBudgetStore(client, { prefix: `test:${Math.random()}:` });
}

const REQUEST = {
  id: "run-1",
  amountUsd: 0.4,
  limitUsd: 1,
  nowMs: 1_000,
  reservationTtlMs: 60_000,
  keyTtlMs: undefined,
};

describe.each([
  ["ioredis", async () => redisBudgetStore(ioredis(), { prefix: `test:${Math.random()}:` })],
  ["node-redis", nodeRedis],
])("redisBudgetStore with %s", (_name, makeStore) => {
  it("reserves what fits, settles to the real cost, releases, and expires abandoned reservations", async () => {
    const store = await makeStore();
    expect(await store.reserve({ ...REQUEST, key: "u1", id: "a" })).toEqual({
      ok: true,
      spentUsd: 0,
      reservedUsd: 0.4,
    });
    expect(await store.reserve({ ...REQUEST, key: "u1", id: "b" })).toEqual({
      ok: true,
      spentUsd: 0,
      reservedUsd: 0.8,
    });
    expect((await store.reserve({ ...REQUEST, key: "u1", id: "c" })).ok).toBe(false);
    await store.settle({ key: "u1", id: "a", costUsd: 0.1, nowMs: 1_000, keyTtlMs: undefined });
    await store.release({ key: "u1", id: "b" });
    expect(await store.read("u1")).toEqual({ spentUsd: 0.1, reservedUsd: 0 });
    // An abandoned reservation stops holding the budget once its TTL has passed.
    expect((await store.reserve({ ...REQUEST, key: "u1", id: "d", amountUsd: 0.9 })).ok).toBe(true);
    expect((await store.reserve({ ...REQUEST, key: "u1", id: "e", amountUsd: 0.9, nowMs: 30_000 })).ok).toBe(
      false,
    );
    expect((await store.reserve({ ...REQUEST, key: "u1", id: "e", amountUsd: 0.9, nowMs: 62_000 })).ok).toBe(
      true,
    );
    // A late settle of an expired reservation is still charged.
    await store.settle({ key: "u1", id: "d", costUsd: 0.05, nowMs: 62_000, keyTtlMs: undefined });
    expect((await store.read("u1")).spentUsd).toBe(0.15);
  });

  it("two scopes never share spend", async () => {
    const store = await makeStore();
    expect((await store.reserve({ ...REQUEST, key: "alice", amountUsd: 1 })).ok).toBe(true);
    expect((await store.reserve({ ...REQUEST, key: "bob", amountUsd: 1 })).ok).toBe(true);
    await store.settle({ key: "alice", id: REQUEST.id, costUsd: 1, nowMs: 1_000, keyTtlMs: undefined });
    expect(await store.read("bob")).toEqual({ spentUsd: 0, reservedUsd: 1 });
  });
});

describe("a handler on a Redis store", () => {
  const USAGE = { promptTokens: 10, completionTokens: 500 }; // $0.0003015 a call with gpt-4o-mini

  it("windows roll over with the clock, and keys expire with their window", async () => {
    server.setScript({ usage: USAGE });
    server.clearRequests();
    let now = Date.parse("2026-01-01T10:00:00Z");
    const client = ioredis();
    const prefix = `window:${Math.random()}:`;
    const handler = new TokenCostCallbackHandler({
      clock: () => new Date(now),
      budget: {
        totalUsd: 0.001,
        window: "1h",
        maxOutputTokens: 500,
        store: redisBudgetStore(client, { prefix }),
        scope: (run) => String(run.metadata.user_id),
      },
    });
    const model = fakeChatOpenAI(server);
    const call = (user: string) => model.invoke("hi", { callbacks: [handler], metadata: { user_id: user } });
    for (let i = 0; i < 3; i++) await call("alice");
    await expect(call("alice")).rejects.toBeInstanceOf(BudgetExceededError);
    // Another user's budget is untouched.
    await call("bob");
    expect(server.completions()).toHaveLength(4);
    now += 3_600_000;
    await call("alice");
    expect(server.completions()).toHaveLength(5);
    const keys = await client.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      const ttl = await client.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(2 * 3_600_000 + 600_000);
    }
  });

  it("Redis down: the call is refused before its request (deny), or goes on and is reported once (allow)", async () => {
    server.setScript({ usage: USAGE });
    server.clearRequests();
    const spare = await startRedis();
    const client = new Redis({
      port: spare.port,
      host: "127.0.0.1",
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
    });
    client.on("error", () => {});
    clients.push(client);
    await new Promise((resolve) => client.once("ready", resolve));
    const reported: unknown[] = [];
    const options = (onStoreError: "deny" | "allow") => ({
      budget: { totalUsd: 1, store: redisBudgetStore(client), onStoreError, storeTimeoutMs: 200 },
      onHandlerError: (error: unknown) => reported.push(error),
    });
    const deny = new TokenCostCallbackHandler(options("deny"));
    const allow = new TokenCostCallbackHandler(options("allow"));
    const model = fakeChatOpenAI(server);
    await model.invoke("before", { callbacks: [deny] });
    expect(server.completions()).toHaveLength(1);
    await spare.stop();
    const error = await model.invoke("during", { callbacks: [deny] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetStoreError);
    expect(server.completions()).toHaveLength(1);
    await model.invoke("allowed", { callbacks: [allow] });
    await model.invoke("allowed again", { callbacks: [allow] });
    await awaitAllCallbacks();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.completions()).toHaveLength(3);
    expect(allow.totals.calls).toBe(2);
    // Once per failing method (reserve at the start, settle at the end), not once per call.
    expect(reported.length).toBeGreaterThanOrEqual(1);
    expect(reported.length).toBeLessThanOrEqual(3);
    expect(reported[0]).toBeInstanceOf(BudgetStoreError);
  });

  it("Redis killed while 20 calls are in flight: calls already sent finish, later ones are refused unsent", async () => {
    server.setScript({ usage: USAGE, delayMs: 300 });
    server.clearRequests();
    const spare = await startRedis();
    const client = new Redis({
      port: spare.port,
      host: "127.0.0.1",
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
    });
    client.on("error", () => {});
    clients.push(client);
    await new Promise((resolve) => client.once("ready", resolve));
    const reported: unknown[] = [];
    const handler = new TokenCostCallbackHandler({
      budget: { totalUsd: 1, maxOutputTokens: 500, store: redisBudgetStore(client), storeTimeoutMs: 200 },
      onHandlerError: (error) => reported.push(error),
    });
    const model = fakeChatOpenAI(server);
    const inFlight = Array.from({ length: 20 }, (_, i) =>
      model.invoke(`call ${i}`, { callbacks: [handler] }),
    );
    // Wait until all 20 requests reached the server, then kill Redis under them.
    while (server.completions().length < 20) await new Promise((resolve) => setTimeout(resolve, 10));
    await spare.stop();
    const results = await Promise.allSettled(inFlight);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(20);
    const after = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => model.invoke(`after ${i}`, { callbacks: [handler] })),
    );
    for (const r of after) {
      expect(r.status).toBe("rejected");
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(BudgetStoreError);
    }
    expect(server.completions()).toHaveLength(20);
    await awaitAllCallbacks();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Every call was recorded; the failed settles were reported (once per method), never thrown.
    expect(handler.totals.calls).toBe(20);
    expect(reported.length).toBeGreaterThanOrEqual(1);
    for (const error of reported) expect(error).toBeInstanceOf(BudgetStoreError);
  });
});
