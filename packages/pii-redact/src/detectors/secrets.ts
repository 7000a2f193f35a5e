import type { Detector, DetectorMatch } from "../types.js";
import { isRepeated, matches } from "./context.js";
import { trimUrlEnd } from "./url.js";

/**
 * Provider key formats (after gitleaks and secretlint's recommended preset), each anchored on its literal prefix
 * and bounded, with a boundary on both sides. Before a pattern runs, its gate (one character every key of it
 * holds, or "") and then one of its hints (literals every key of it holds) must be in the text. Both are chosen
 * to begin with a character that is rare in prose (`-`, `_`, a capital, a digit): a substring search skips
 * ahead to its first character natively, so `k-` costs far less than `sk-` in English text, and the regex still
 * decides.
 */
const PROVIDER_PATTERNS: readonly (readonly [gate: string, hints: readonly string[], pattern: RegExp])[] = [
  // Anthropic before OpenAI: both start with sk-.
  ["-", ["-ant-"], /(?<![\w-])sk-ant-[a-z0-9]{2,12}-[A-Za-z0-9_-]{32,200}(?![\w-])/g],
  ["-", ["k-"], /(?<![\w-])sk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,200}(?![\w-])/g],
  [
    "",
    ["AKIA", "ASIA", "ABIA", "ACCA", "A3T"],
    /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Za-z0-9])/g,
  ],
  ["_", ["p_", "o_", "u_", "s_", "r_"], /(?<![\w])gh[pousr]_[A-Za-z0-9]{36,251}(?![\w])/g],
  ["_", ["_pat_"], /(?<![\w])github_pat_[A-Za-z0-9_]{60,120}(?![\w])/g],
  ["-", ["xox"], /(?<![\w-])xox[abposr]-[A-Za-z0-9-]{10,250}(?![\w-])/g],
  ["_", ["_live_", "_test_"], /(?<![\w])(?:sk|rk|pk|whsec)_(?:live|test)_[A-Za-z0-9]{10,247}(?![\w])/g],
  ["", ["AIza"], /(?<![\w-])AIza[0-9A-Za-z_-]{35}(?![\w-])/g],
  ["-", ["GOCSPX-"], /(?<![\w-])GOCSPX-[A-Za-z0-9_-]{28}(?![\w-])/g],
  ["", ["29."], /(?<![\w-])ya29\.[0-9A-Za-z_-]{20,500}(?![\w-])/g],
  ["-", ["glpat-"], /(?<![\w-])glpat-[A-Za-z0-9_-]{20}(?![\w-])/g],
  ["_", ["npm_"], /(?<![\w-])npm_[A-Za-z0-9]{36}(?![\w-])/g],
  ["_", ["hf_"], /(?<![\w-])hf_[A-Za-z0-9]{34}(?![\w-])/g],
  // JWT: header and payload are base64url JSON objects; the signature is optional so a token still streaming in
  // is already found.
  [
    "J",
    ["eyJ"],
    /(?<![\w-])eyJ[A-Za-z0-9_-]{8,2048}\.eyJ[A-Za-z0-9_-]{8,4096}(?:\.[A-Za-z0-9_-]{0,1024})?(?![\w-])/g,
  ],
  ["://", ["hooks.slack.com"], /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/]{20,120}/g],
];

/**
 * Where a key name may be, in the three casings people write (`api_key`, `Password`, `SECRET`). `cret` rather
 * than `ecret`: a search skips ahead to the first letter, and `c` is far rarer than `e` (and few words hold `cret`
 * without `secret`: concrete, discrete). Otherwise exact rather than cheaper (`ss` for `ass` would match `business`): a hit
 * here sends the whole text through the key-name scan.
 */
const KEY_WORDS = ["key", "Key", "KEY", "oken", "OKEN", "cret", "ECRET", "ass", "ASS", "wd", "WD"];
/** Provider prefixes without a dash or underscore, bearer tokens, URLs (`29` for `ya29`, `J` for `eyJ`). */
const OTHER_HINTS = ["Bearer", "AKIA", "ASIA", "ABIA", "ACCA", "A3T", "AIza", "29", "J", "://"];

/** `scheme://user:password@host…`: the whole URL or connection string is the secret. */
const CREDENTIAL_URL =
  /[a-zA-Z][a-zA-Z0-9+.-]{1,20}:\/\/[^\s:@/?#'"<>]{0,128}:([^\s@/?#'"<>]{1,256})@[^\s<>"'`{}|\\^[\]]{1,2048}/y;

/**
 * Credential URLs, found from each `://`: the scheme is walked back (at most 21 characters) and the pattern
 * runs anchored there, rather than trying every word start of the text.
 */
function* credentialUrls(text: string): Generator<RegExpExecArray> {
  let at = text.indexOf("://");
  while (at !== -1) {
    let start = at;
    while (start > 0 && at - start < 21 && /[a-zA-Z0-9+.-]/.test(text.charAt(start - 1))) start--;
    while (start < at && !/[a-zA-Z]/.test(text.charAt(start))) start++;
    const previous = start > 0 ? text.charAt(start - 1) : " ";
    CREDENTIAL_URL.lastIndex = start;
    const match = /\w/.test(previous) ? null : CREDENTIAL_URL.exec(text);
    if (match !== null) {
      yield match;
      at = text.indexOf("://", match.index + match[0].length);
    } else at = text.indexOf("://", at + 3);
  }
}

/** A key name, an optional closing quote, a separator, and the value (quoted or bare). */
const KEYWORD_VALUE =
  /(?<![A-Za-z0-9])(api[_-]?key|apikey|access[_-]?key(?:[_-]?id)?|secret[_-]?access[_-]?key|secret[_-]?key|client[_-]?secret|auth[_-]?token|access[_-]?token|refresh[_-]?token|secret|token|password|passwd|pwd|passphrase)["']?(?:\s{0,3}(?:=>|:=|[:=])\s{0,3}|\s{1,3}(?:is|was)\s{1,3})(?:"([^"\s]{4,200})"|'([^'\s]{4,200})'|([^\s"'`,;<>(){}[\]]{4,200}))/iy;

/** Where a key name may be: every key name contains one of these. */
const KEYWORD_HINT =
  /[Kk][Ee][Yy]|[Tt][Oo][Kk][Ee][Nn]|[Ss][Ee][Cc][Rr][Ee][Tt]|[Pp][Aa][Ss][Ss]|[Pp][Ww][Dd]/g;
/** The longest stretch of a key name before its hint (`secret_access_` before `key`). */
const KEYWORD_LEAD = 14;

/**
 * Key-value matches, found from the cheap hint scan: the full pattern runs anchored (sticky) at the few
 * positions where a key name containing the hint could start, instead of at every position of the text.
 */
function* keywordValues(text: string): Generator<RegExpExecArray> {
  let free = 0;
  for (const hint of matches(KEYWORD_HINT, text)) {
    for (let start = Math.max(free, hint.index - KEYWORD_LEAD); start <= hint.index; start++) {
      KEYWORD_VALUE.lastIndex = start;
      const match = KEYWORD_VALUE.exec(text);
      if (match === null) continue;
      yield match;
      free = match.index + match[0].length;
      KEYWORD_HINT.lastIndex = Math.max(KEYWORD_HINT.lastIndex, free);
      break;
    }
  }
}

const BEARER = /\bBearer\s{1,3}([A-Za-z0-9._~+/-]{16,2048}=*)/g;

const PLACEHOLDER_WORDS = new Set([
  "string",
  "number",
  "boolean",
  "null",
  "undefined",
  "true",
  "false",
  "none",
  "required",
  "optional",
  "hidden",
  "redacted",
  "changeme",
  "password",
  "secret",
  "token",
  "example",
  "incorrect",
  "invalid",
  "expired",
  "missing",
  "empty",
  "pass",
  "user",
  "username",
  "placeholder",
]);

/** Four X's or four of one character in a row, or `...`: a placeholder, not a random key. */
const PLACEHOLDER_RUN = /x{4}|(.)\1{5}|\.\.\.|…|<|your|dummy|placeholder/i;

/** Shannon entropy in bits per character. */
export function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

function charClasses(value: string): number {
  return (
    Number(/[a-z]/.test(value)) +
    Number(/[A-Z]/.test(value)) +
    Number(/\d/.test(value)) +
    Number(/[^A-Za-z0-9]/.test(value))
  );
}

function isPlaceholder(value: string): boolean {
  const lower = value.toLowerCase();
  return (
    isRepeated(value) ||
    PLACEHOLDER_WORDS.has(lower) ||
    /^[$%{<[]/.test(value) ||
    /^(?:process\.env|os\.environ|env\.|config\.|settings\.|this\.|self\.)/i.test(value) ||
    /^(?:your|my|the|a|an)[_-]/i.test(value) ||
    /x{4,}|\*{3,}|\.{3}|…/i.test(value)
  );
}

/** Whether a value next to a key name looks like a real secret rather than prose, code or a placeholder. */
function secretLike(keyword: string, value: string): boolean {
  if (isPlaceholder(value)) return false;
  const passwordLike = /pass|pwd/i.test(keyword);
  if (passwordLike) {
    return value.length >= 6 && (charClasses(value) >= 2 || value.length >= 12);
  }
  return value.length >= 16 && charClasses(value) >= 2 && entropy(value) >= 3;
}

function pemEnd(text: string, bodyStart: number): number {
  const limit = Math.min(text.length, bodyStart + 16_384);
  const endMarker = text.indexOf("-----END", bodyStart);
  let index = bodyStart;
  const stop = endMarker !== -1 && endMarker < limit ? endMarker : limit;
  while (index < stop && /[A-Za-z0-9+/=\s:,.-]/.test(text.charAt(index))) index++;
  if (index === endMarker) {
    const close = text.indexOf("-----", endMarker + 8);
    if (close !== -1 && close - endMarker < 64) return close + 5;
  }
  // Not closed (yet): the key runs to the end of its base64 body, so a key still streaming in is found.
  while (index > bodyStart && /\s/.test(text.charAt(index - 1))) index--;
  return index;
}

function* pemKeys(text: string): Generator<DetectorMatch> {
  let begin = text.indexOf("-----BEGIN ");
  while (begin !== -1) {
    const headerEnd = text.indexOf("-----", begin + 11);
    if (headerEnd !== -1 && headerEnd - begin < 64) {
      const label = text.slice(begin + 11, headerEnd);
      if (/PRIVATE KEY/.test(label)) {
        const end = pemEnd(text, headerEnd + 5);
        yield { start: begin, end, score: 0.99 };
        begin = text.indexOf("-----BEGIN ", end);
        continue;
      }
    }
    begin = text.indexOf("-----BEGIN ", begin + 11);
  }
}

/**
 * API keys and secrets: provider formats (OpenAI, Anthropic, AWS, GitHub, Slack, Stripe, Google, GitLab, npm,
 * Hugging Face, JWT), PEM private keys, credentials in URLs and connection strings, bearer tokens, and
 * high-entropy values next to key/token/secret/password.
 */
export const apiKeyDetector: Detector = {
  type: "API_KEY",
  *detect(text) {
    // Every value found below holds one of these literals, a dash or an underscore: a few `includes` (far
    // cheaper than a case-insensitive regex scan) rule out most prose.
    const keyWord = KEY_WORDS.some((word) => text.includes(word));
    if (
      !keyWord &&
      !OTHER_HINTS.some((hint) => text.includes(hint)) &&
      !text.includes("-") &&
      !text.includes("_")
    )
      return;
    for (const [gate, hints, pattern] of PROVIDER_PATTERNS) {
      // indexOf on the literal prefixes is far cheaper than a regex scan of text that has none.
      if (!text.includes(gate) || !hints.some((hint) => text.includes(hint))) continue;
      for (const match of matches(pattern, text)) {
        // Documentation placeholders (`AKIAXXXXXXXXXXXXXXXX`, `sk-xxxxxxxx…`) are not keys.
        if (PLACEHOLDER_RUN.test(match[0])) continue;
        yield { start: match.index, end: match.index + match[0].length, score: 0.99 };
      }
    }
    yield* pemKeys(text);
    if (text.includes("://")) {
      for (const match of credentialUrls(text)) {
        const password = match[1] ?? "";
        if (isPlaceholder(password)) continue;
        const end = trimUrlEnd(text, match.index, match.index + match[0].length);
        yield { start: match.index, end, score: 0.99 };
      }
    }
    for (const match of keyWord ? keywordValues(text) : []) {
      const keyword = match[1] ?? "";
      const value = match[2] ?? match[3] ?? match[4] ?? "";
      const start = match.index + match[0].length - value.length - (match[4] === undefined ? 1 : 0);
      // A bare value at the end of a sentence keeps its full stop out.
      const trimmed = match[4] === undefined ? value : value.replace(/[.,;:]+$/, "");
      if (!secretLike(keyword, trimmed)) continue;
      yield { start, end: start + trimmed.length, score: 0.9 };
    }
    for (const match of text.includes("Bearer") ? matches(BEARER, text) : []) {
      const value = match[1] ?? "";
      if (isPlaceholder(value)) continue;
      const start = match.index + match[0].length - value.length;
      yield { start, end: start + value.length, score: 0.95 };
    }
  },
};
