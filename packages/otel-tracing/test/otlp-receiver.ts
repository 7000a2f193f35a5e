import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

const PROTO_ROOT = fileURLToPath(new URL("./otlp-proto/", import.meta.url));

/** One span as the receiver decoded it (OTLP field names; attribute values unwrapped). */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  status: { code?: number; message?: string };
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  scope: string;
}

interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
}

function unwrap(value: AnyValue | undefined): unknown {
  if (value === undefined) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(unwrap);
  return undefined;
}

function attributes(list: { key: string; value?: AnyValue }[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map(({ key, value }) => [key, unwrap(value)]));
}

/**
 * A loopback OTLP/HTTP receiver: accepts `POST /v1/traces` with a protobuf `ExportTraceServiceRequest`, decodes
 * it with the OTLP protocol's own `.proto` definitions, and keeps the spans. What it holds is what a collector
 * would receive.
 */
export async function startOtlpReceiver() {
  const root = new protobuf.Root();
  // The .proto files import each other by their path from the repository root.
  root.resolvePath = (_origin, target) => (target.startsWith(PROTO_ROOT) ? target : `${PROTO_ROOT}${target}`);
  await root.load("opentelemetry/proto/collector/trace/v1/trace_service.proto");
  const Request = root.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest");
  const Response = root.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse");
  const spans: ReceivedSpan[] = [];
  const contentTypes: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      contentTypes.push(String(req.headers["content-type"]));
      if (req.method !== "POST" || req.url !== "/v1/traces") {
        res.writeHead(404).end();
        return;
      }
      const decoded = Request.toObject(Request.decode(Buffer.concat(chunks)), {
        longs: String,
        bytes: String,
        defaults: false,
      }) as {
        resourceSpans?: {
          scopeSpans?: {
            scope?: { name?: string };
            spans?: {
              traceId: string;
              spanId: string;
              parentSpanId?: string;
              name: string;
              kind?: number;
              status?: { code?: number; message?: string };
              attributes?: { key: string; value?: AnyValue }[];
              events?: { name: string; attributes?: { key: string; value?: AnyValue }[] }[];
            }[];
          }[];
        }[];
      };
      for (const resource of decoded.resourceSpans ?? []) {
        for (const scope of resource.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            spans.push({
              traceId: Buffer.from(span.traceId, "base64").toString("hex"),
              spanId: Buffer.from(span.spanId, "base64").toString("hex"),
              parentSpanId: span.parentSpanId ? Buffer.from(span.parentSpanId, "base64").toString("hex") : "",
              name: span.name,
              kind: span.kind ?? 0,
              status: span.status ?? {},
              attributes: attributes(span.attributes),
              events: (span.events ?? []).map((event) => ({
                name: event.name,
                attributes: attributes(event.attributes),
              })),
              scope: scope.scope?.name ?? "",
            });
          }
        }
      }
      res.writeHead(200, { "content-type": "application/x-protobuf" });
      res.end(Buffer.from(Response.encode(Response.create({})).finish()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    spans,
    contentTypes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
