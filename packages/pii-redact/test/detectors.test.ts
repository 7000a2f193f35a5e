import { describe, expect, it } from "vitest";
import { type BuiltInPiiType, detect, PII_TYPES } from "../src/index.js";

const ALL = { types: PII_TYPES };

function found(text: string, type: BuiltInPiiType): string[] {
  return detect(text, ALL)
    .filter((finding) => finding.type === type)
    .map((finding) => text.slice(finding.start, finding.end));
}

describe("detectors", () => {
  it("EMAIL: plain, tagged, sub-domains; not decorators, package specs or versions", () => {
    expect(found("mail John.Doe+news@mail.example.co.uk.", "EMAIL")).toEqual([
      "John.Doe+news@mail.example.co.uk",
    ]);
    expect(found("<a.b@c.io>, x_y@d-e.org", "EMAIL")).toEqual(["a.b@c.io", "x_y@d-e.org"]);
    expect(found("@Component npm i @langchain/core pkg@1.2.3 user@localhost", "EMAIL")).toEqual([]);
    expect(found(`${"a".repeat(70)}@example.com`, "EMAIL")).toEqual([]);
  });

  it("PHONE: international and national formats, validated; not dates, IPs, order numbers", () => {
    expect(found("call +44 20 7946 0958 or (415) 555-2671", "PHONE")).toEqual([
      "+44 20 7946 0958",
      "(415) 555-2671",
    ]);
    expect(found("Tel: 030 901820 45, mobile 06 12 34 56 78", "PHONE")).toHaveLength(2);
    expect(found("on 2024-01-15, host 192.168.100.200, order #4155552671, v1.2.3", "PHONE")).toEqual([]);
    // Possible numbers count (issue 12: err toward redacting); too short or one repeated digit do not.
    expect(found("+1 555 000 0000", "PHONE")).toEqual(["+1 555 000 0000"]);
    expect(found("+1 555 000, +1 000 000 0000", "PHONE")).toEqual([]);
  });

  it("CREDIT_CARD: Luhn, issuer ranges and printed groupings", () => {
    expect(found("4111 1111 1111 1111 / 5500-0000-0000-0004 / 378282246310005", "CREDIT_CARD")).toHaveLength(
      3,
    );
    expect(found("4111 1111 1111 1112", "CREDIT_CARD")).toEqual([]);
    expect(found("41 1111 1111 1111 11", "CREDIT_CARD")).toEqual([]);
    expect(found("0000 0000 0000 0000 and 12345678901234567890", "CREDIT_CARD")).toEqual([]);
  });

  it("IBAN: country length and mod-97", () => {
    expect(found("DE89 3704 0044 0532 0130 00 and GB82WEST12345698765432", "IBAN")).toHaveLength(2);
    expect(found("DE89 3704 0044 0532 0130 01", "IBAN")).toEqual([]);
    expect(found("XX89 3704 0044 0532 0130 00", "IBAN")).toEqual([]);
  });

  it("IP_ADDRESS and MAC_ADDRESS", () => {
    expect(found("10.0.0.1, 2001:db8::ff00:42:8329, ::ffff:192.0.2.128", "IP_ADDRESS")).toHaveLength(3);
    expect(found("version 1.2.3.4, 12:30:45, std::vector, 999.1.1.1", "IP_ADDRESS")).toEqual([]);
    expect(found("00:1A:2B:3C:4D:5E 00-1a-2b-3c-4d-5e 0050.56c0.0001", "MAC_ADDRESS")).toHaveLength(3);
    expect(found("00:1A-2B:3C:4D:5E, 1234.5678.9012", "MAC_ADDRESS")).toEqual([]);
  });

  it("US_SSN: SSA area/group/serial rules; bare digits need context", () => {
    expect(found("SSN 536-22-8726", "US_SSN")).toEqual(["536-22-8726"]);
    expect(found("social security number 536228726", "US_SSN")).toEqual(["536228726"]);
    expect(found("536228726", "US_SSN")).toEqual([]);
    expect(
      found("000-12-3456 666-12-3456 900-12-3456 536-00-8726 536-22-0000 078-05-1120", "US_SSN"),
    ).toEqual([]);
  });

  it("API_KEY: provider formats, PEM keys, credentials in URLs, keyed high-entropy values", () => {
    const text = [
      "sk-proj-Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz",
      "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdEfGhIjKlMnOp",
      "AKIAIOSFODNN7EXAMPLE",
      "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
      "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
      "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
      "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe",
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
      "mongodb+srv://app:Zr8!kq2Lp@cluster0.mongodb.net/db",
      "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      'password: "Tr0ub4dor&3"',
    ].join(" | ");
    expect(found(text, "API_KEY")).toHaveLength(11);
    expect(
      found("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----", "API_KEY"),
    ).toHaveLength(1);
    const negatives =
      "password: string; const token = getToken(); token: $" +
      "{TOKEN}; password is required; postgres://user:password@localhost/db; api_key=<your-api-key>; 3f786850e387550fdab836ed7e6dc881de23001b";
    expect(found(negatives, "API_KEY")).toEqual([]);
  });

  it("URL and DATE_OF_BIRTH (a date only with birth context, in the same sentence)", () => {
    expect(found("see https://example.com/a?b=1). and www.example.org.", "URL")).toEqual([
      "https://example.com/a?b=1",
      "www.example.org",
    ]);
    expect(
      found("DOB: 1990-03-12; born on March 12, 1990; date of birth 12/03/1990", "DATE_OF_BIRTH"),
    ).toHaveLength(3);
    expect(found("Meeting on 2024-05-01. Deployed 12/03/2024.", "DATE_OF_BIRTH")).toEqual([]);
    expect(found("I was born in Paris. We met on 2020-01-02.", "DATE_OF_BIRTH")).toEqual([]);
  });

  it("PERSON and LOCATION are opt-in", () => {
    const text = "Dear Dr. Ada Lovelace, I live in San Francisco, 1600 Amphitheatre Parkway.";
    expect(detect(text).map((finding) => finding.type)).toEqual([]);
    expect(found(text, "PERSON")).toEqual(["Ada Lovelace"]);
    expect(found(text, "LOCATION")).toEqual(["San Francisco", "1600 Amphitheatre Parkway"]);
  });

  it("overlaps: a credential URL wins over the URL, an email inside a URL keeps the rest of the URL", () => {
    const findings = detect("postgres://app:Zr8kq2Lp9x@db.example.com:5432/prod", ALL);
    expect(findings.map((finding) => finding.type)).toEqual(["API_KEY"]);
    const text = "https://example.com/?u=ann@example.com";
    expect(detect(text, ALL).map((finding) => finding.type)).toEqual(["EMAIL"]);
  });
});
