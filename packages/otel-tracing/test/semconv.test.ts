import * as incubating from "@opentelemetry/semantic-conventions/incubating";
import { describe, expect, it } from "vitest";
import * as semconv from "../src/semconv.js";

describe("GenAI convention names", () => {
  it("match @opentelemetry/semantic-conventions' incubating constants, one by one", () => {
    const ours = Object.entries(semconv).filter(([name, value]) =>
      name.startsWith("ATTR_GEN_AI_") || name === "ATTR_ERROR_TYPE" ? typeof value === "string" : false,
    );
    expect(ours.length).toBeGreaterThan(30);
    for (const [name, value] of ours) {
      expect({ name, value: (incubating as Record<string, unknown>)[name] }).toEqual({ name, value });
    }
  });

  it("use the conventions' operation names and well-known provider names", () => {
    expect(Object.values(semconv.OPERATION).sort()).toEqual(
      [
        incubating.GEN_AI_OPERATION_NAME_VALUE_CHAT,
        incubating.GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
        incubating.GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
        incubating.GEN_AI_OPERATION_NAME_VALUE_INVOKE_WORKFLOW,
        incubating.GEN_AI_OPERATION_NAME_VALUE_RETRIEVAL,
        incubating.GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION,
      ].sort(),
    );
    expect(semconv.providerName("openai")).toBe(incubating.GEN_AI_PROVIDER_NAME_VALUE_OPENAI);
    expect(semconv.providerName("azure")).toBe(incubating.GEN_AI_PROVIDER_NAME_VALUE_AZURE_AI_OPENAI);
    expect(semconv.providerName("google_vertexai")).toBe(incubating.GEN_AI_PROVIDER_NAME_VALUE_GCP_VERTEX_AI);
    expect(semconv.providerName("bedrock")).toBe(incubating.GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK);
    expect(semconv.providerName("mistralai")).toBe(incubating.GEN_AI_PROVIDER_NAME_VALUE_MISTRAL_AI);
    expect(semconv.providerName("some_new_provider")).toBe("some_new_provider");
  });
});
