import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { assertKnownKeys } from "./options.js";
import { countTokens, countWords, loadEncoder, type TokenEncoding } from "./tokens.js";

/** One tool call a scripted reply makes. */
export interface FakeToolCall {
  /** @default `call_<n>` */
  id?: string;
  name: string;
  /** Arguments as an object (JSON-encoded on the wire) or as the raw JSON string. */
  args: Record<string, unknown> | string;
}

/**
 * Token counts a reply reports; anything left out is counted from the text the server received and sent (o200k_base,
 * see {@link FakeOpenAIOptions.tokenCounting}).
 */
export interface FakeUsage {
  promptTokens?: number;
  completionTokens?: number;
  /** `prompt_tokens_details.cached_tokens` (LangChain: `input_token_details.cache_read`). */
  cachedTokens?: number;
  /** `prompt_tokens_details.cache_write_tokens` (LangChain: `input_token_details.cache_creation`). */
  cacheWriteTokens?: number;
  /** `completion_tokens_details.reasoning_tokens`. */
  reasoningTokens?: number;
}

/** What the server answers to one request. Every field is optional; the default echoes the last user message. */
export interface FakeReply {
  /** Assistant text. @default `You said: <last user message>` (empty when the reply makes tool calls) */
  content?: string;
  /** Exact streamed pieces of `content` (default: split before each word). */
  chunks?: string[];
  toolCalls?: FakeToolCall[];
  /** Reasoning text, sent as `reasoning_content` (the DeepSeek/vLLM convention ChatOpenAI reads). */
  reasoning?: string;
  /** Usage to report; `null` reports none, even when the client asks for it. */
  usage?: FakeUsage | null;
  /** Model name in the response. @default the requested model */
  model?: string;
  /** @default `tool_calls` when there are tool calls, else `stop` */
  finishReason?: string;
  /** Answer with this HTTP error status and an OpenAI-style error body. */
  status?: number;
  /** Error body fields for `status` replies. */
  error?: { message?: string; type?: string; code?: string };
  /** Seconds for a `retry-after` header. */
  retryAfter?: number;
  /** Milliseconds for a `retry-after-ms` header (the OpenAI SDK prefers it to `retry-after`). */
  retryAfterMs?: number;
  /** Extra response headers. */
  headers?: Record<string, string>;
  /** Delay before the first byte, in ms. */
  delayMs?: number;
  /** Delay between streamed chunks, in ms. */
  chunkDelayMs?: number;
  /** Streams this many chunks, then sends nothing more (until the client goes away or the server closes). */
  stallAfterChunks?: number;
  /** Destroys the connection after this many streamed chunks (0: before any response byte). */
  dropAfterChunks?: number;
  /** Sends a line of invalid JSON in the event stream after the first chunk. */
  malformedChunk?: boolean;
}

const REPLY_KEYS: readonly (keyof FakeReply)[] = [
  "content",
  "chunks",
  "toolCalls",
  "reasoning",
  "usage",
  "model",
  "finishReason",
  "status",
  "error",
  "retryAfter",
  "retryAfterMs",
  "headers",
  "delayMs",
  "chunkDelayMs",
  "stallAfterChunks",
  "dropAfterChunks",
  "malformedChunk",
];
const USAGE_KEYS: readonly (keyof FakeUsage)[] = [
  "promptTokens",
  "completionTokens",
  "cachedTokens",
  "cacheWriteTokens",
  "reasoningTokens",
];

function assertReply(reply: FakeReply): void {
  assertKnownKeys("startFakeOpenAI reply", reply, REPLY_KEYS);
  if (reply.usage) assertKnownKeys("startFakeOpenAI reply.usage", reply.usage, USAGE_KEYS);
}

/** Options of the server itself (the script says what it answers). */
export interface FakeOpenAIOptions {
  /**
   * Streamed replies go out at this many tokens per second (a chunk of n tokens waits n / rate seconds), so a person
   * watching a demo sees tokens arrive; a reply's own `chunkDelayMs` takes precedence. 0: as fast as possible.
   * @default 0
   */
  tokensPerSecond?: number;
  /**
   * How usage is counted when a reply does not state it: `"tiktoken"` counts the tokens of the text received and
   * sent with OpenAI's o200k_base encoding (as the real API reports them: message and reply overheads included);
   * `"words"` is the server's earlier estimate (words + 3 per message; one token per streamed chunk), for tests
   * written against those figures.
   * @default "tiktoken"
   */
  tokenCounting?: "tiktoken" | "words";
}

const OPTION_KEYS: readonly (keyof FakeOpenAIOptions)[] = ["tokensPerSecond", "tokenCounting"];

/** A script: one reply for every request, a queue of replies (then the default), or a function of the request. */
export type FakeScript = FakeReply | FakeReply[] | ((request: RecordedRequest) => FakeReply);

/** A request the server received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body (undefined when it was not valid JSON). */
  body: ChatCompletionBody | undefined;
  stream: boolean;
}

/** The parts of a chat completion request the server reads. */
export interface ChatCompletionBody {
  model?: string;
  messages?: { role?: string; content?: unknown; tool_calls?: unknown; tool_call_id?: string }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  tools?: unknown[];
  [key: string]: unknown;
}

/** A running fake OpenAI server. */
export interface FakeOpenAI {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The base URL to give ChatOpenAI (`<url>/v1`). */
  readonly baseURL: string;
  /** Every request received, in order (completions and bad requests alike). */
  readonly requests: RecordedRequest[];
  /** Completion requests only. */
  readonly completions: () => RecordedRequest[];
  /** Replaces the script and its queue. */
  setScript(script: FakeScript | undefined): void;
  /** Forgets the recorded requests. */
  clearRequests(): void;
  /** Stops the server, ending stalled streams. */
  close(): Promise<void>;
}

const DEFAULT_MODEL = "gpt-4o-mini";

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part: unknown) =>
      typeof part === "object" && part !== null && typeof (part as { text?: unknown }).text === "string"
        ? (part as { text: string }).text
        : "",
    )
    .join("");
}

/** The last user message of a request, as text. */
export function lastUserMessage(request: RecordedRequest): string {
  const messages = request.body?.messages ?? [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message?.role === "user") return textOf(message.content);
  }
  return "";
}

/** Whether the request already carries a tool result (the agent's second turn). */
export function hasToolResult(request: RecordedRequest): boolean {
  return (request.body?.messages ?? []).some((message) => message.role === "tool");
}

/** Splits text into stream pieces, each word with the whitespace before it; the pieces join back to the text. */
export function splitIntoChunks(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? (text === "" ? [] : [text]);
}

/** Per-message and per-reply overheads of OpenAI's chat format (the cookbook's count for the gpt-4o family). */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_REPLY = 3;

/** Prompt tokens of a request: every message's role, content and tool calls, the tool definitions, the overheads. */
function promptTokens(body: ChatCompletionBody | undefined, encoding: TokenEncoding | undefined): number {
  const messages = body?.messages ?? [];
  if (!encoding) {
    let words = 0;
    for (const message of messages) words += countWords(textOf(message.content)) + 3;
    return Math.max(1, words);
  }
  let tokens = TOKENS_PER_REPLY;
  for (const message of messages) {
    tokens += TOKENS_PER_MESSAGE + countTokens(encoding, message.role ?? "");
    tokens += countTokens(encoding, textOf(message.content));
    if (message.tool_calls !== undefined) tokens += countTokens(encoding, JSON.stringify(message.tool_calls));
  }
  if (body?.tools?.length) tokens += countTokens(encoding, JSON.stringify(body.tools));
  return tokens;
}

/** Completion tokens of a reply: its text, reasoning and tool calls (at least 1, as the API reports). */
function completionTokens(resolved: ResolvedReply, encoding: TokenEncoding | undefined): number {
  if (!encoding) return Math.max(1, resolved.chunks.length + resolved.toolCalls.length * 8);
  let tokens = countTokens(encoding, resolved.content);
  if (resolved.reply.reasoning !== undefined) tokens += countTokens(encoding, resolved.reply.reasoning);
  for (const call of resolved.toolCalls)
    tokens += countTokens(encoding, call.name) + countTokens(encoding, call.args);
  return Math.max(1, tokens);
}

function sleep(ms: number | undefined): Promise<void> {
  return ms && ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

function errorBody(message: string, type: string, code?: string): unknown {
  return { error: { message, type, param: null, code: code ?? null } };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

interface ResolvedReply {
  reply: FakeReply;
  /** Undefined when counting words. */
  encoding: TokenEncoding | undefined;
  content: string;
  chunks: string[];
  model: string;
  toolCalls: { id: string; name: string; args: string }[];
}

function resolveReply(
  reply: FakeReply,
  request: RecordedRequest,
  encoding: TokenEncoding | undefined,
): ResolvedReply {
  const toolCalls = (reply.toolCalls ?? []).map((call, index) => ({
    id: call.id ?? `call_${index + 1}`,
    name: call.name,
    args: typeof call.args === "string" ? call.args : JSON.stringify(call.args),
  }));
  const content = reply.content ?? (toolCalls.length > 0 ? "" : `You said: ${lastUserMessage(request)}`);
  return {
    reply,
    encoding,
    content,
    chunks: reply.chunks ?? splitIntoChunks(content),
    model: reply.model ?? request.body?.model ?? DEFAULT_MODEL,
    toolCalls,
  };
}

function usageOf(resolved: ResolvedReply, request: RecordedRequest): Record<string, unknown> | undefined {
  const { reply, encoding } = resolved;
  if (reply.usage === null) return undefined;
  const usage = reply.usage ?? {};
  const prompt = usage.promptTokens ?? promptTokens(request.body, encoding);
  // Word counting added reasoning tokens on top; tiktoken counts the reasoning text itself.
  const completion =
    usage.completionTokens ??
    completionTokens(resolved, encoding) + (encoding ? 0 : (usage.reasoningTokens ?? 0));
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: {
      cached_tokens: usage.cachedTokens ?? 0,
      audio_tokens: 0,
      ...(usage.cacheWriteTokens === undefined ? {} : { cache_write_tokens: usage.cacheWriteTokens }),
    },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0, audio_tokens: 0 },
  };
}

function finishReasonOf(resolved: ResolvedReply): string {
  return resolved.reply.finishReason ?? (resolved.toolCalls.length > 0 ? "tool_calls" : "stop");
}

function completion(resolved: ResolvedReply, request: RecordedRequest, id: string, created: number): unknown {
  const message: Record<string, unknown> = { role: "assistant", content: resolved.content, refusal: null };
  if (resolved.reply.reasoning !== undefined) message.reasoning_content = resolved.reply.reasoning;
  if (resolved.toolCalls.length > 0) {
    message.tool_calls = resolved.toolCalls.map((call) => ({
      id: call.id,
      type: "function",
      function: { name: call.name, arguments: call.args },
    }));
  }
  const usage = usageOf(resolved, request);
  return {
    id,
    object: "chat.completion",
    created,
    model: resolved.model,
    system_fingerprint: "fp_chainwatch",
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReasonOf(resolved) }],
    ...(usage ? { usage } : {}),
  };
}

function streamEvents(
  resolved: ResolvedReply,
  request: RecordedRequest,
  id: string,
  created: number,
): unknown[] {
  const base = {
    id,
    object: "chat.completion.chunk",
    created,
    model: resolved.model,
    system_fingerprint: "fp_chainwatch",
  };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  const events: unknown[] = [chunk({ role: "assistant", content: "", refusal: null })];
  if (resolved.reply.reasoning !== undefined) {
    for (const piece of splitIntoChunks(resolved.reply.reasoning))
      events.push(chunk({ reasoning_content: piece }));
  }
  for (const piece of resolved.chunks) events.push(chunk({ content: piece }));
  resolved.toolCalls.forEach((call, index) => {
    events.push(
      chunk({
        tool_calls: [{ index, id: call.id, type: "function", function: { name: call.name, arguments: "" } }],
      }),
    );
    const middle = Math.ceil(call.args.length / 2);
    for (const piece of [call.args.slice(0, middle), call.args.slice(middle)]) {
      if (piece !== "") events.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
    }
  });
  events.push(chunk({}, finishReasonOf(resolved)));
  const usage = request.body?.stream_options?.include_usage ? usageOf(resolved, request) : undefined;
  if (usage) events.push({ ...base, choices: [], usage });
  return events;
}

/**
 * Starts an OpenAI-compatible chat completions server on 127.0.0.1 (a free port), for ChatOpenAI to talk to
 * over real HTTP: non-streaming and SSE streaming replies, usage with cached and reasoning tokens, tool calls
 * with streamed argument chunks, and scripted faults (error statuses with `retry-after`, delays, stalls,
 * dropped connections, malformed events). Usage not scripted is counted from the text (o200k_base). Every request
 * is recorded. Close it when done. An unknown key in the options or in a scripted reply throws a `TypeError`.
 *
 * @example
 * ```ts
 * const server = await startFakeOpenAI([{ content: "Hi there" }]);
 * const model = new ChatOpenAI({ model: "gpt-4o-mini", apiKey: "test", configuration: { baseURL: server.baseURL } });
 * await model.invoke("hello");
 * await server.close();
 * ```
 */
export async function startFakeOpenAI(
  script?: FakeScript,
  options: FakeOpenAIOptions = {},
): Promise<FakeOpenAI> {
  assertKnownKeys("startFakeOpenAI options", options, OPTION_KEYS);
  const tokensPerSecond = options.tokensPerSecond ?? 0;
  if (!Number.isFinite(tokensPerSecond) || tokensPerSecond < 0)
    throw new TypeError(
      `startFakeOpenAI: tokensPerSecond must be a finite number >= 0, got ${tokensPerSecond}`,
    );
  const counting = options.tokenCounting ?? "tiktoken";
  if (counting !== "tiktoken" && counting !== "words")
    throw new TypeError(
      `startFakeOpenAI: tokenCounting must be "tiktoken" or "words", got ${String(counting)}`,
    );
  const checkScript = (next: FakeScript | undefined): void => {
    if (Array.isArray(next)) next.forEach(assertReply);
    else if (next !== undefined && typeof next !== "function") assertReply(next);
  };
  checkScript(script);
  const encoding = counting === "tiktoken" ? await loadEncoder() : undefined;
  let current: FakeScript | undefined = script;
  let queue: FakeReply[] = Array.isArray(script) ? [...script] : [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const openResponses = new Set<ServerResponse>();
  let responseCounter = 0;

  const nextReply = (request: RecordedRequest): FakeReply => {
    if (typeof current === "function") return current(request);
    if (Array.isArray(current)) return queue.shift() ?? {};
    return current ?? {};
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const raw = await readBody(req);
    let body: ChatCompletionBody | undefined;
    let parseError = false;
    if (raw !== "") {
      try {
        const parsed: unknown = JSON.parse(raw);
        if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed))
          body = parsed as ChatCompletionBody;
        else parseError = true;
      } catch {
        parseError = true;
      }
    }
    const request: RecordedRequest = {
      method: req.method ?? "GET",
      path,
      headers: { ...req.headers },
      body,
      stream: body?.stream === true,
    };
    requests.push(request);
    if (path !== "/v1/chat/completions" && path !== "/chat/completions") {
      sendJson(res, 404, errorBody(`Unknown path ${path}`, "invalid_request_error", "not_found"));
      return;
    }
    if (request.method !== "POST") {
      sendJson(res, 405, errorBody("Use POST", "invalid_request_error"), { allow: "POST" });
      return;
    }
    if (parseError || !body) {
      sendJson(
        res,
        400,
        errorBody("We could not parse the JSON body of your request.", "invalid_request_error"),
      );
      return;
    }
    if (!Array.isArray(body.messages)) {
      sendJson(res, 400, errorBody("'messages' is a required property", "invalid_request_error"));
      return;
    }
    const scripted = nextReply(request);
    if (typeof current === "function") {
      try {
        assertReply(scripted);
      } catch (error) {
        // A script function's typo reaches the client as a 500 that names the key, not a silently ignored field.
        sendJson(res, 500, errorBody(String(error), "server_error", "fake_script_error"));
        return;
      }
    }
    const resolved = resolveReply(scripted, request, encoding);
    const { reply } = resolved;
    await sleep(reply.delayMs);
    if (reply.dropAfterChunks === 0) {
      req.socket.destroy();
      return;
    }
    const extraHeaders: Record<string, string> = { ...reply.headers };
    if (reply.retryAfter !== undefined) extraHeaders["retry-after"] = String(reply.retryAfter);
    if (reply.retryAfterMs !== undefined) extraHeaders["retry-after-ms"] = String(reply.retryAfterMs);
    if (reply.status !== undefined && reply.status >= 400) {
      const error = reply.error ?? {};
      sendJson(
        res,
        reply.status,
        errorBody(
          error.message ?? `Scripted error ${reply.status}`,
          error.type ?? (reply.status === 429 ? "rate_limit_exceeded" : "server_error"),
          error.code,
        ),
        extraHeaders,
      );
      return;
    }
    responseCounter++;
    const id = `chatcmpl-fake${responseCounter}`;
    const created = 1_700_000_000;
    if (!request.stream) {
      sendJson(res, 200, completion(resolved, request, id, created), extraHeaders);
      return;
    }
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
      ...extraHeaders,
    });
    openResponses.add(res);
    res.on("close", () => openResponses.delete(res));
    const events = streamEvents(resolved, request, id, created);
    // Human pace: a chunk of n tokens waits n / tokensPerSecond seconds (the role and usage events do not wait).
    const paceOf = (event: unknown): number => {
      if (tokensPerSecond === 0) return 0;
      const delta = (event as { choices?: { delta?: { content?: unknown; reasoning_content?: unknown } }[] })
        .choices?.[0]?.delta;
      const text = `${typeof delta?.content === "string" ? delta.content : ""}${typeof delta?.reasoning_content === "string" ? delta.reasoning_content : ""}`;
      if (text === "") return 0;
      const tokens = encoding ? countTokens(encoding, text) : countWords(text);
      return (Math.max(1, tokens) / tokensPerSecond) * 1000;
    };
    for (let index = 0; index < events.length; index++) {
      if (res.destroyed) return;
      if (reply.stallAfterChunks !== undefined && index >= reply.stallAfterChunks) return;
      if (reply.dropAfterChunks !== undefined && index >= reply.dropAfterChunks) {
        req.socket.destroy();
        return;
      }
      if (index > 0) await sleep(reply.chunkDelayMs ?? paceOf(events[index]));
      res.write(`data: ${JSON.stringify(events[index])}\n\n`);
      if (index === 0 && reply.malformedChunk) res.write("data: {not json\n\n");
    }
    res.end("data: [DONE]\n\n");
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, errorBody(String(error), "server_error"));
      else res.destroy();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("clientError", (_error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // exclusive: in a node:cluster worker a shared listen(0) hands every worker the same port through the primary,
    // which then routes one worker's requests to another worker's server — and resets them when that one closes.
    server.listen({ port: 0, host: "127.0.0.1", exclusive: true }, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    requests,
    completions: () =>
      requests.filter((request) => request.path.endsWith("/chat/completions") && request.body !== undefined),
    setScript(next) {
      checkScript(next);
      current = next;
      queue = Array.isArray(next) ? [...next] : [];
    },
    clearRequests() {
      requests.length = 0;
    },
    close() {
      return new Promise<void>((resolve) => {
        for (const res of openResponses) res.destroy();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
    },
  };
}
