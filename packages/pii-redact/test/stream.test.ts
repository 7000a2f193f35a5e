import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRedactor } from "../src/index.js";

const redactor = createRedactor({ types: undefined });
const everyType = createRedactor({
  types: [
    "EMAIL",
    "PHONE",
    "CREDIT_CARD",
    "IBAN",
    "IP_ADDRESS",
    "MAC_ADDRESS",
    "US_SSN",
    "API_KEY",
    "URL",
    "DATE_OF_BIRTH",
    "PERSON",
    "LOCATION",
  ],
});

function streamed(chunks: readonly string[], r = redactor): string {
  const stream = r.stream();
  let out = "";
  for (const chunk of chunks) out += stream.push(chunk);
  return out + stream.flush();
}

function splitAt(text: string, cuts: readonly number[]): string[] {
  const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let previous = 0;
  for (const point of points) {
    chunks.push(text.slice(previous, point));
    previous = point;
  }
  chunks.push(text.slice(previous));
  return chunks;
}

const VALUES = [
  "john.doe@example.com",
  "a.very.long.local.part.with.many.dots.and.plus+tag@mail.sub.example.co.uk",
  "+44 20 7946 0958",
  "(415) 555-2671",
  "4111 1111 1111 1111",
  "4111-1111-1111-1112",
  "378282246310005",
  "DE89 3704 0044 0532 0130 00",
  "GB82WEST12345698765432",
  "192.168.10.24",
  "2001:db8:85a3::8a2e:370:7334",
  "00:1A:2B:3C:4D:5E",
  "536-22-8726",
  "sk-proj-Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz",
  "AKIAIOSFODNN7EXAMPLE",
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
  "postgres://admin:s3cr3tP4ss@db.internal:5432/app",
  "password: hunter22",
  "https://example.com/a/long/path?with=query&and=more#fragment",
  "born on 12 March 1990",
  "Dear Mr. John Smith",
  "221 Baker Street, London",
  "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\nMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n-----END PRIVATE KEY-----",
];
const FILLER = [
  "the",
  "order",
  "#10023456",
  "version",
  "1.2.3",
  "at",
  "2024-11-24T12:30:45Z",
  "call",
  "me",
  "ok.",
  "550e8400-e29b-41d4-a716-446655440000",
  "3f786850e387550fdab836ed7e6dc881de23001b",
  "x=42;",
  "Hello,",
  "phone",
  "card",
];

const piece = fc.oneof(fc.constantFrom(...VALUES), fc.constantFrom(...FILLER), fc.string({ maxLength: 12 }));
const separator = fc.constantFrom(" ", " ", "\n", ", ", ". ", "  ", "\t", "");
const document = fc
  .array(fc.tuple(piece, separator), { minLength: 1, maxLength: 60 })
  .map((parts) => parts.map(([text, sep]) => text + sep).join(""));

describe("StreamRedactor", () => {
  it('redacts a value split across tokens: "jo" "hn@ex" "ample.com"', () => {
    expect(streamed(["Write to jo", "hn@ex", "ample.com", " today."])).toBe("Write to [EMAIL] today.");
    expect(streamed(["card 4111 11", "11 1111 ", "1111 thanks"])).toBe("card [CREDIT_CARD] thanks");
  });

  it("holds back only the tail: long text is released before the stream ends", () => {
    const stream = redactor.stream({ holdBackChars: 64 });
    const released = stream.push(`${"plain words ".repeat(30)}mail ann@example.com`);
    expect(released.length).toBeGreaterThan(200);
    expect(released).not.toContain("ann@");
    expect(stream.heldChars).toBeLessThanOrEqual(64 + 64);
    expect(released + stream.flush()).toBe(
      redactor.redactText(`${"plain words ".repeat(30)}mail ann@example.com`),
    );
  });

  it("bounds the held text on a run without whitespace", () => {
    const stream = redactor.stream({ holdBackChars: 64, maxPendingChars: 256 });
    let out = "";
    for (let index = 0; index < 100; index++) out += stream.push("abcdefghij");
    expect(stream.heldChars).toBeLessThanOrEqual(256 + 64);
    expect(out + stream.flush()).toBe("abcdefghij".repeat(100));
  });

  it("validates its options", () => {
    expect(() => redactor.stream({ holdBackChars: 8 })).toThrow(/holdBackChars/);
    expect(() => redactor.stream({ holdBackChars: 128, maxPendingChars: 100 })).toThrow(/maxPendingChars/);
  });

  it("property: streamed redaction with random chunk splits equals whole-text redaction", () => {
    fc.assert(
      fc.property(document, fc.array(fc.nat(), { maxLength: 40 }), (text, cuts) => {
        expect(streamed(splitAt(text, cuts))).toBe(redactor.redactText(text));
      }),
      { numRuns: Number(process.env.PII_PROPERTY_RUNS ?? 400) },
    );
  });

  it("property: the same holds for noise built from the characters values are made of", () => {
    const noise = fc.string({
      unit: fc.constantFrom(..."0123456789 0123456789  .-@:+()/abcdefABCDEF xyz\n"),
      maxLength: Number(process.env.PII_NOISE_LENGTH ?? 400),
    });
    fc.assert(
      fc.property(noise, fc.array(fc.nat(), { maxLength: 30 }), (text, cuts) => {
        expect(streamed(splitAt(text, cuts))).toBe(redactor.redactText(text));
      }),
      { numRuns: Number(process.env.PII_PROPERTY_RUNS ?? 300) },
    );
  });

  it("property: the same holds with PERSON and LOCATION on, and one character per token", () => {
    fc.assert(
      fc.property(document, (text) => {
        expect(streamed([...text], everyType)).toBe(everyType.redactText(text));
      }),
      { numRuns: Number(process.env.PII_PROPERTY_RUNS ?? 150) },
    );
  });
});
