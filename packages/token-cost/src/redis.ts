import { createHash } from "node:crypto";
import {
  type BudgetReserveRequest,
  type BudgetReserveResult,
  type BudgetSettleRequest,
  type BudgetStore,
  type BudgetUsage,
  units,
  usd,
} from "./budget-store.js";

/**
 * Drops the reservations of KEYS whose expiry is past (abandoned calls), so they stop holding the budget.
 * KEYS[1]: hash {spent, reserved}; KEYS[2]: sorted set of reservation ids by expiry; KEYS[3]: hash id -> amount.
 */
const PURGE = `
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
for _, rid in ipairs(expired) do
  local held = redis.call('HGET', KEYS[3], rid)
  if held then redis.call('HINCRBY', KEYS[1], 'reserved', -tonumber(held)) end
  redis.call('HDEL', KEYS[3], rid)
end
if #expired > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[4]) end
`;

const EXPIRE = `
if tonumber(ARGV[KEY_TTL]) > 0 then
  for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[KEY_TTL]) end
end
`;

/** ARGV: id, amount, limit, now, reservation ttl, key ttl (0: none). Returns {ok, spent, reserved}. */
const RESERVE = `${PURGE}
local spent = tonumber(redis.call('HGET', KEYS[1], 'spent') or '0')
local reserved = tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0')
local amount = tonumber(ARGV[2])
if spent + reserved + amount > tonumber(ARGV[3]) then return {0, spent, reserved} end
redis.call('HINCRBY', KEYS[1], 'reserved', amount)
redis.call('HSET', KEYS[3], ARGV[1], amount)
redis.call('ZADD', KEYS[2], tonumber(ARGV[4]) + tonumber(ARGV[5]), ARGV[1])
${EXPIRE.replaceAll("KEY_TTL", "6")}
return {1, spent, reserved + amount}
`;

/** ARGV: id, cost, key ttl. The reservation (if still held) is dropped and the cost spent, even if it expired. */
const SETTLE = `
local held = redis.call('HGET', KEYS[3], ARGV[1])
if held then
  redis.call('HINCRBY', KEYS[1], 'reserved', -tonumber(held))
  redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
end
redis.call('HINCRBY', KEYS[1], 'spent', ARGV[2])
${EXPIRE.replaceAll("KEY_TTL", "3")}
return 1
`;

/** ARGV: id. */
const RELEASE = `
local held = redis.call('HGET', KEYS[3], ARGV[1])
if held then
  redis.call('HINCRBY', KEYS[1], 'reserved', -tonumber(held))
  redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
end
return 1
`;

/** The part of an `ioredis` client this store uses. */
export interface IORedisLike {
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  hmget(key: string, ...fields: string[]): Promise<(string | null)[]>;
}

/** The part of a `node-redis` (`redis` v4+) client this store uses. */
export interface NodeRedisLike {
  evalSha(sha: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  hmGet(key: string, fields: string[]): Promise<(string | null)[]>;
}

/** Options of {@link redisBudgetStore}. */
export interface RedisBudgetStoreOptions {
  /** Prefix of every key this store writes. @default "chainwatch:budget:" */
  prefix?: string;
}

type Runner = (script: Script, keys: string[], args: string[]) => Promise<unknown>;

interface Script {
  source: string;
  sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash("sha1").update(source).digest("hex") };
}

const SCRIPTS = { reserve: script(RESERVE), settle: script(SETTLE), release: script(RELEASE) };

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.includes("NOSCRIPT");
}

function runner(client: IORedisLike | NodeRedisLike): {
  run: Runner;
  read: (key: string) => Promise<(string | null)[]>;
} {
  if (typeof (client as NodeRedisLike).evalSha === "function") {
    const nodeRedis = client as NodeRedisLike;
    return {
      run: (s, keys, args) =>
        nodeRedis.evalSha(s.sha, { keys, arguments: args }).catch((error: unknown) => {
          if (isNoScript(error)) return nodeRedis.eval(s.source, { keys, arguments: args });
          throw error;
        }),
      read: (key) => nodeRedis.hmGet(key, ["spent", "reserved"]),
    };
  }
  if (typeof (client as IORedisLike).evalsha === "function") {
    const ioredis = client as IORedisLike;
    return {
      run: (s, keys, args) =>
        ioredis.evalsha(s.sha, keys.length, ...keys, ...args).catch((error: unknown) => {
          if (isNoScript(error)) return ioredis.eval(s.source, keys.length, ...keys, ...args);
          throw error;
        }),
      read: (key) => ioredis.hmget(key, "spent", "reserved"),
    };
  }
  throw new TypeError("redisBudgetStore: expected an ioredis or node-redis client (with evalsha / evalSha)");
}

function integer(value: unknown): number {
  const number = typeof value === "string" ? Number(value) : value;
  return typeof number === "number" && Number.isFinite(number) ? number : 0;
}

/**
 * A {@link BudgetStore} in Redis, shared by any number of processes: each change is one Lua script run atomically
 * by the server (one round trip), amounts are integers of $1e-10, and every key expires with its window. The
 * three keys of a budget share a hash tag (`{…}`), so the store works on Redis Cluster too. Connection handling,
 * reconnects and retries are the client's; the handler bounds every call with `storeTimeoutMs`.
 *
 * @example
 * ```ts
 * import { Redis } from "ioredis";
 * import { redisBudgetStore } from "@chainwatch/token-cost/redis";
 * const cost = new TokenCostCallbackHandler({
 *   budget: { totalUsd: 5, window: "1d", scope: (run) => String(run.metadata.user_id), store: redisBudgetStore(new Redis()) },
 * });
 * ```
 */
export function redisBudgetStore(
  client: IORedisLike | NodeRedisLike,
  options: RedisBudgetStoreOptions = {},
): BudgetStore {
  if (typeof client !== "object" || client === null) {
    throw new TypeError(`redisBudgetStore: expected an ioredis or node-redis client, got ${String(client)}`);
  }
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`redisBudgetStore: options must be an object, got ${String(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (key !== "prefix")
      throw new TypeError(`redisBudgetStore: unknown option "${key}". Known options: prefix`);
  }
  const prefix = options.prefix ?? "chainwatch:budget:";
  if (typeof prefix !== "string")
    throw new TypeError(`redisBudgetStore: prefix must be a string, got ${String(prefix)}`);
  const { run, read } = runner(client);
  const keys = (key: string): string[] => {
    const base = `${prefix}{${key}}`;
    return [base, `${base}:exp`, `${base}:amt`];
  };
  return {
    async reserve(request: BudgetReserveRequest): Promise<BudgetReserveResult> {
      const reply = await run(SCRIPTS.reserve, keys(request.key), [
        request.id,
        String(units(request.amountUsd)),
        String(units(request.limitUsd)),
        String(request.nowMs),
        String(Math.ceil(request.reservationTtlMs)),
        String(Math.ceil(request.keyTtlMs ?? 0)),
      ]);
      const [ok, spent, reserved] = Array.isArray(reply) ? reply : [];
      return { ok: integer(ok) === 1, spentUsd: usd(integer(spent)), reservedUsd: usd(integer(reserved)) };
    },
    async settle(request: BudgetSettleRequest): Promise<void> {
      await run(SCRIPTS.settle, keys(request.key), [
        request.id,
        String(units(request.costUsd)),
        String(Math.ceil(request.keyTtlMs ?? 0)),
      ]);
    },
    async release(request: { key: string; id: string }): Promise<void> {
      await run(SCRIPTS.release, keys(request.key), [request.id]);
    },
    async read(key: string): Promise<BudgetUsage> {
      const [spent, reserved] = await read(keys(key)[0] as string);
      return { spentUsd: usd(integer(spent)), reservedUsd: usd(integer(reserved)) };
    },
  };
}
