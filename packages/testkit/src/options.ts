/**
 * Unknown-key checking for the testkit's own options and scripted replies: a typo (`delayMS`, `tokensPerSec`) throws
 * a `TypeError` that names the key, suggests the closest known one and lists the rest, instead of silently doing
 * nothing. (The same message shape as `@chainwatch/core`'s validation, which the testkit cannot depend on: core's
 * tests run on the testkit.)
 */
export function assertKnownKeys(owner: string, value: unknown, known: readonly string[]): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return;
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const closest = closestKey(key, known);
    throw new TypeError(
      `${owner}: unknown option "${key}"${closest ? ` (did you mean "${closest}"?)` : ""}. Known options: ${known.join(", ")}.`,
    );
  }
}

function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // A suggestion only when it is plausibly the same word.
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
