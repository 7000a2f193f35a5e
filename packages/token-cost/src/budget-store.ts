import { RunBlockedError } from "@chainwatch/core";

/** A reservation to make: hold `amountUsd` under `key` if spent + held + amount stays within `limitUsd`. */
export interface BudgetReserveRequest {
  /** The budget key: scope and window (the store adds its own prefix). */
  key: string;
  /** Unique id of the reservation (the LLM run id). */
  id: string;
  /** The most the call can cost. */
  amountUsd: number;
  /** The limit of this key. */
  limitUsd: number;
  /** Clock reading (ms since the epoch) at which reservations past their expiry are dropped. */
  nowMs: number;
  /** How long the reservation holds if the call never settles or releases it (an abandoned call). */
  reservationTtlMs: number;
  /** The key's lifetime from now (its window's end plus a margin); undefined for a key that never expires. */
  keyTtlMs: number | undefined;
}

/** What a store answers to a reservation. */
export interface BudgetReserveResult {
  /** True when the amount was held; false when it did not fit (nothing was held). */
  ok: boolean;
  /** USD settled under the key, before this reservation. */
  spentUsd: number;
  /** USD held by reservations in progress, including this one when `ok`. */
  reservedUsd: number;
}

/** The real cost of a reserved call: its reservation is dropped and the cost is added to the spend. */
export interface BudgetSettleRequest {
  key: string;
  id: string;
  costUsd: number;
  /** Clock reading (ms since the epoch). */
  nowMs: number;
  keyTtlMs: number | undefined;
}

/** Spend and holds of one key. */
export interface BudgetUsage {
  spentUsd: number;
  reservedUsd: number;
}

/**
 * Where budget spend lives. Every method must be one atomic step for any number of callers sharing the store
 * (processes, for a shared store). A method may answer synchronously (the in-memory store does, to keep the hot
 * path free of promises) or with a promise. Settling a reservation that already expired still adds the cost.
 */
export interface BudgetStore {
  reserve(request: BudgetReserveRequest): BudgetReserveResult | Promise<BudgetReserveResult>;
  settle(request: BudgetSettleRequest): void | Promise<void>;
  /** Drops a reservation without spending (the call failed or was aborted). */
  release(request: { key: string; id: string }): void | Promise<void>;
  /** Spend and holds of a key now (`nowMs`, default the wall clock, picks out an expired key). */
  read(key: string, nowMs?: number): BudgetUsage | Promise<BudgetUsage>;
}

/** A budget store failed or timed out: the call was refused before its request (`onStoreError: "deny"`). */
export class BudgetStoreError extends RunBlockedError {
  constructor(
    message: string,
    /** What the store threw, or undefined for a timeout. */
    override readonly cause: unknown,
  ) {
    super(message);
  }
}

interface Held {
  amount: number;
  expiresAt: number;
}

interface Entry {
  spent: number;
  reserved: number;
  holds: Map<string, Held>;
  /** Clock reading after which the key is gone (its window ended); Infinity when it never expires. */
  expiresAt: number;
}

/**
 * The default store: budgets inside this process. Synchronous and exact; amounts are kept in integer units of
 * $1e-10 so that holds and spend add up without float drift. Keys are dropped when their window ends; at most
 * `maxKeys` keys are held (the least recently used is dropped past it).
 */
export class MemoryBudgetStore implements BudgetStore {
  private readonly entries = new Map<string, Entry>();
  /** The key used last: already the most recent, so using it again needs no re-insertion. */
  private lastKey: string | undefined;

  /** @param maxKeys the most keys (scopes × windows) held; past it the least recently used is dropped. */
  constructor(private readonly maxKeys = 10_000) {
    if (!Number.isInteger(maxKeys) || maxKeys <= 0) {
      throw new RangeError(`MemoryBudgetStore: maxKeys must be a positive integer, got ${String(maxKeys)}`);
    }
  }

  reserve(request: BudgetReserveRequest): BudgetReserveResult {
    const entry = this.entry(request.key, request.nowMs, request.keyTtlMs);
    for (const [id, held] of entry.holds) {
      if (held.expiresAt <= request.nowMs) {
        entry.reserved -= held.amount;
        entry.holds.delete(id);
      }
    }
    const amount = units(request.amountUsd);
    const fits = entry.spent + entry.reserved + amount <= units(request.limitUsd);
    const spentUsd = usd(entry.spent);
    if (fits) {
      entry.reserved += amount;
      entry.holds.set(request.id, { amount, expiresAt: request.nowMs + request.reservationTtlMs });
    }
    return { ok: fits, spentUsd, reservedUsd: usd(entry.reserved) };
  }

  settle(request: BudgetSettleRequest): void {
    const entry = this.entry(request.key, request.nowMs, request.keyTtlMs);
    this.drop(entry, request.id);
    entry.spent += units(request.costUsd);
  }

  release(request: { key: string; id: string }): void {
    const entry = this.entries.get(request.key);
    if (entry !== undefined) this.drop(entry, request.id);
  }

  read(key: string, nowMs: number = Date.now()): BudgetUsage {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.expiresAt <= nowMs) return { spentUsd: 0, reservedUsd: 0 };
    return { spentUsd: usd(entry.spent), reservedUsd: usd(entry.reserved) };
  }

  private drop(entry: Entry, id: string): void {
    const held = entry.holds.get(id);
    if (held === undefined) return;
    entry.reserved -= held.amount;
    entry.holds.delete(id);
  }

  private entry(key: string, nowMs: number, keyTtlMs: number | undefined): Entry {
    let entry = this.entries.get(key);
    if (entry !== undefined && entry.expiresAt <= nowMs) entry = undefined;
    if (entry === undefined) {
      entry = { spent: 0, reserved: 0, holds: new Map(), expiresAt: Number.POSITIVE_INFINITY };
      if (this.entries.size >= this.maxKeys) this.evict();
    } else if (key === this.lastKey) {
      if (keyTtlMs !== undefined) entry.expiresAt = Math.max(entry.expiresAt, nowMs + keyTtlMs);
      return entry;
    } else {
      this.entries.delete(key);
    }
    this.lastKey = key;
    if (keyTtlMs !== undefined)
      entry.expiresAt = Math.max(
        entry.expiresAt === Number.POSITIVE_INFINITY ? 0 : entry.expiresAt,
        nowMs + keyTtlMs,
      );
    this.entries.set(key, entry);
    return entry;
  }

  /** Drops the least recently used key (a Map keeps insertion order, and every use re-inserts its key). */
  private evict(): void {
    const oldest = this.entries.keys().next();
    if (oldest.done !== true) this.entries.delete(oldest.value);
  }
}

/** USD to integer units of $1e-10 (the resolution money is rounded to). */
export function units(amountUsd: number): number {
  return Math.round(amountUsd * 1e10);
}

/** Integer units of $1e-10 back to USD. */
export function usd(amount: number): number {
  return amount / 1e10;
}

/** `pending`, or a {@link BudgetStoreError} once `ms` have passed without an answer (the call itself goes on). */
export function withTimeout<T>(pending: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new BudgetStoreError(`the budget store did not answer within ${ms} ms`, undefined)),
      ms,
    );
    timer.unref();
  });
  return Promise.race([pending, timeout]).finally(() => clearTimeout(timer));
}
