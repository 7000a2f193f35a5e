/**
 * Token counting for the fake server: OpenAI's `o200k_base` encoding (the gpt-4o and gpt-4.1 family), from the ranks
 * js-tiktoken bundles — nothing is downloaded. Only counts are needed, so this is a small byte-pair-encoding counter
 * over those ranks rather than js-tiktoken's `Tiktoken` class, whose constructor takes 1–2 s (and far more on a busy
 * machine) to build maps of 200,000 joined-number keys: every test process that starts a server would pay it. Here
 * the table loads in about a tenth of that, on the first server start of a process.
 */

/** The o200k_base pre-tokenizer and merge ranks (token bytes as latin1 strings, one character per byte). */
export interface TokenEncoding {
  readonly pattern: RegExp;
  readonly ranks: Map<string, number>;
}

let encoding: Promise<TokenEncoding> | undefined;

/** The shared encoding, loaded once per process. */
export function loadEncoder(): Promise<TokenEncoding> {
  encoding ??= import("js-tiktoken/ranks/o200k_base").then(({ default: data }) => {
    const ranks = new Map<string, number>();
    // Each line: "! <first rank> <base64 token> <base64 token> …", ranks consecutive from the first.
    for (const line of data.bpe_ranks.split("\n")) {
      const fields = line.split(" ");
      const first = Number.parseInt(fields[1] ?? "", 10);
      if (!Number.isFinite(first)) continue;
      for (let index = 2; index < fields.length; index++) {
        ranks.set(Buffer.from(fields[index] ?? "", "base64").toString("latin1"), first + index - 2);
      }
    }
    return { pattern: new RegExp(data.pat_str, "gu"), ranks };
  });
  return encoding;
}

/** Tokens of one pre-tokenized piece (latin1 bytes): tiktoken's byte-pair merge, lowest rank first. */
function countPiece(bytes: string, ranks: Map<string, number>): number {
  if (bytes.length <= 1 || ranks.has(bytes)) return 1;
  // starts[i]: where part i begins; the merge joins part i and i + 1 while their concatenation is a known token.
  const starts = Array.from({ length: bytes.length + 1 }, (_, index) => index);
  const rankAt = (i: number): number =>
    i + 2 < starts.length
      ? (ranks.get(bytes.slice(starts[i], starts[i + 2])) ?? Number.POSITIVE_INFINITY)
      : Number.POSITIVE_INFINITY;
  const pairRanks = starts.map((_, i) => rankAt(i));
  for (;;) {
    let best = Number.POSITIVE_INFINITY;
    let at = -1;
    for (let i = 0; i < pairRanks.length - 1; i++) {
      const rank = pairRanks[i] ?? Number.POSITIVE_INFINITY;
      if (rank < best) {
        best = rank;
        at = i;
      }
    }
    if (at < 0) break;
    starts.splice(at + 1, 1);
    pairRanks.splice(at + 1, 1);
    pairRanks[at] = rankAt(at);
    if (at > 0) pairRanks[at - 1] = rankAt(at - 1);
  }
  return starts.length - 1;
}

/** A run of non-whitespace long enough to make the merge loop slow (it is quadratic in a piece's length). */
const LONG_RUN = /\S{257,}/;
/** Text beyond this many characters is not encoded: its count is extrapolated from the first this-many. */
const EXACT_LIMIT = 65_536;

function countExact(encoding: TokenEncoding, text: string): number {
  if (LONG_RUN.test(text)) {
    let tokens = 0;
    for (const part of text.split(/(\S{256})/)) if (part !== "") tokens += countExact(encoding, part);
    return tokens;
  }
  let tokens = 0;
  for (const [piece] of text.matchAll(encoding.pattern)) {
    tokens += countPiece(Buffer.from(piece, "utf8").toString("latin1"), encoding.ranks);
  }
  return tokens;
}

/**
 * Tokens in `text` under o200k_base (special-token text is counted as plain text, as the API does for content).
 * Two shortcuts keep a test with huge input fast, within a few percent of the exact count: runs of more than 256
 * non-whitespace characters (`"y".repeat(5000)`, long base64) are counted 256 characters at a time, and beyond 64 KiB the
 * count is extrapolated from the first 64 KiB by length (a 10 MB prompt costs what 64 KiB does).
 */
export function countTokens(encoding: TokenEncoding, text: string): number {
  if (text === "") return 0;
  if (text.length <= EXACT_LIMIT) return countExact(encoding, text);
  return Math.round((countExact(encoding, text.slice(0, EXACT_LIMIT)) * text.length) / EXACT_LIMIT);
}

/** Words in `text`: the server's old count, kept for tests written against it (`tokenCounting: "words"`). */
export function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}
