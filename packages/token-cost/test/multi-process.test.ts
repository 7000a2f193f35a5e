import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type FakeOpenAI, type RedisServer, startFakeOpenAI, startRedis } from "@chainwatch/testkit";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisBudgetStore } from "../src/redis.js";

const run = promisify(execFile);
const WORKER = fileURLToPath(new URL("./fixtures/budget-worker.ts", import.meta.url));

let redis: RedisServer;
let server: FakeOpenAI;
beforeAll(async () => {
  [redis, server] = await Promise.all([startRedis(), startFakeOpenAI()]);
});
afterAll(async () => {
  await Promise.all([redis.stop(), server.close()]);
});

interface WorkerReport {
  sent: number;
  refused: number;
  refusedAt: number[];
  otherErrors: string[];
  costUsd: number;
}

describe("one budget shared by three processes through Redis", () => {
  it("3 workers × 20 concurrent calls: spend never passes the limit, refused calls send nothing, fitting calls all go", async () => {
    // $0.0003015 a call (10 + 500 tokens of gpt-4o-mini); each reserves its prompt + 500 output tokens (~$0.0003).
    server.setScript({ usage: { promptTokens: 10, completionTokens: 500 }, delayMs: 20 });
    server.clearRequests();
    const limitUsd = 0.005;
    const prefix = `multi:${Date.now()}:`;
    const reports = await Promise.all(
      [1, 2, 3].map(async (worker) => {
        const { stdout } = await run(process.execPath, ["--import", "tsx", WORKER], {
          env: {
            ...process.env,
            REDIS_PORT: String(redis.port),
            BASE_URL: server.baseURL,
            PREFIX: prefix,
            LIMIT_USD: String(limitUsd),
            CALLS: "20",
            WORKER: String(worker),
          },
          timeout: 60_000,
        });
        return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as WorkerReport;
      }),
    );
    const sent = reports.reduce((sum, r) => sum + r.sent, 0);
    const refused = reports.reduce((sum, r) => sum + r.refused, 0);
    expect(reports.flatMap((r) => r.otherErrors)).toEqual([]);
    expect(sent + refused).toBe(60);
    expect(refused).toBeGreaterThan(0);
    // Every request the server saw was a call that was let through: refused calls sent none.
    expect(server.completions()).toHaveLength(sent);
    const client = new Redis({ port: redis.port, host: "127.0.0.1" });
    try {
      const { spentUsd, reservedUsd } = await redisBudgetStore(client, { prefix }).read("default");
      expect(spentUsd).toBeLessThanOrEqual(limitUsd);
      expect(reservedUsd).toBe(0);
      expect(spentUsd).toBeCloseTo(sent * 0.0003015, 10);
    } finally {
      await client.quit();
    }
    // A call was refused only when its reservation (at least $0.0003) did not fit in what was left.
    for (const at of reports.flatMap((r) => r.refusedAt)) expect(at + 0.0003).toBeGreaterThan(limitUsd);
  }, 90_000);
});
