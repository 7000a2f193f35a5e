/**
 * Writes bench/corpus-heldout.txt: the held-out set of the quality report. Same line format as corpus.txt
 * (`P<TAB>text` with `{{TYPE|value}}` labels, `N<TAB>text` for a hard negative).
 *
 * How it was built, so its figures can be believed:
 * - It was written and frozen (committed) BEFORE the detectors were reworked for issue 12, and the detectors were
 *   never tuned on its lines: while iterating, only its aggregate figures were looked at, never its per-line
 *   errors (`quality.ts --errors` refuses this file).
 * - Its templates (support-chat and log lines, several languages) are a different set from
 *   bench/generate-corpus.ts's, written without looking at those.
 * - Its values come from sources independent of the detectors: IBANs generated from ibantools' registry (every
 *   country of the SWIFT registry, random BBANs of the country's format; the national check digits are NOT
 *   computed, so most fail them, as real-world typos and test data do), phone numbers from libphonenumber-js'
 *   example numbers for every region, names, streets, postcodes and cities from @faker-js/faker's locales (the
 *   detectors' name lists and gazetteer come from chance, fakerator, @stdlib and GeoNames instead), cards, IPs,
 *   MACs, URLs and emails from faker.
 * - About 35% of the lines are hard negatives of the kinds developers paste: SSH remotes, documentation
 *   placeholders, versions, ticket and order numbers, hashes, UUIDs, capitalised product names.
 *
 * Deterministic: `npx tsx bench/generate-heldout.ts` rewrites the same file.
 */
import { writeFileSync } from "node:fs";
import { allFakers, type Faker } from "@faker-js/faker";
import { countrySpecs } from "ibantools";
import { type CountryCode, getCountries, getExampleNumber } from "libphonenumber-js/max";
import examples from "libphonenumber-js/mobile/examples";

let seed = 0x0bada55e;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const chars = (alphabet: string, length: number) =>
  Array.from({ length }, () => alphabet.charAt(Math.floor(random() * alphabet.length))).join("");
const DIGITS = "0123456789";
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const ALNUM = `${UPPER}abcdefghijklmnopqrstuvwxyz${DIGITS}`;
const HEX = "0123456789abcdef";
const L = (type: string, value: string) => `{{${type}|${value}}}`;

for (const [index, faker] of Object.values(allFakers).entries()) faker.seed(1000 + index);

/** Latin-script locales: names with diacritics from many cultures. */
const NAME_LOCALES = [
  "de",
  "de_AT",
  "fr",
  "es",
  "es_MX",
  "it",
  "nl",
  "pl",
  "pt_BR",
  "pt_PT",
  "tr",
  "vi",
  "cs_CZ",
  "sk",
  "hu",
  "ro",
  "sv",
  "nb_NO",
  "da",
  "fi",
  "hr",
  "sl_SI",
  "lv",
  "id_ID",
  "yo_NG",
  "en_IE",
  "en_IN",
  "en_US",
  "en_GB",
  "af_ZA",
  "az",
  "eo",
  "cy",
] as const;
const fakerOf = (locale: string): Faker => (allFakers as Record<string, Faker>)[locale] as Faker;

function personName(): string {
  const faker = fakerOf(pick(NAME_LOCALES));
  return `${faker.person.firstName()} ${faker.person.lastName()}`;
}

// ---------- IBAN ----------
function bbanFor(pattern: string): string {
  let out = "";
  for (const part of pattern.matchAll(/\[([^\]]+)\]\{(\d+)\}/g)) {
    const cls = part[1] ?? "";
    const n = Number(part[2]);
    const alphabet = cls === "0-9" ? DIGITS : cls === "A-Z" ? UPPER : `${DIGITS}${UPPER}`;
    out += chars(alphabet, n);
  }
  return out;
}
function mod97(value: string): number {
  let remainder = 0;
  for (const char of value) {
    const code = char.charCodeAt(0);
    const digits = code >= 65 ? String(code - 55) : char;
    for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder;
}
const registry = Object.entries(
  countrySpecs as Record<string, { bban_regexp?: string; IBANRegistry?: boolean }>,
)
  .filter(([, spec]) => spec.IBANRegistry && spec.bban_regexp)
  .map(([country, spec]) => [country, spec.bban_regexp as string] as const);
function iban(country: string, pattern: string, valid = true): string {
  const bban = bbanFor(pattern);
  let check = 98 - mod97(`${bban}${country}00`);
  if (!valid) check = check === 2 ? 3 : check - 1;
  return `${country}${String(check).padStart(2, "0")}${bban}`;
}
const grouped = (value: string) => value.replace(/(.{4})(?=.)/g, "$1 ");
function printedIban(value: string): string {
  const style = random();
  if (style < 0.4) return value;
  if (style < 0.85) return grouped(value);
  return random() < 0.5 ? value.toLowerCase() : grouped(value).toLowerCase();
}

// ---------- phones ----------
const regions = getCountries();
function phone(region: CountryCode): { text: string; national: boolean } | undefined {
  const example = getExampleNumber(region, examples);
  if (!example) return undefined;
  const style = random();
  if (style < 0.4) return { text: example.formatInternational(), national: false };
  if (style < 0.7) return { text: example.number, national: false };
  return { text: example.formatNational(), national: true };
}

// ---------- other values ----------
const en = fakerOf("en_US");
function luhnComplete(prefix: string, length: number): string {
  let digits = prefix + chars(DIGITS, length - prefix.length - 1);
  for (let check = 0; check < 10; check++) {
    const candidate = digits + check;
    let sum = 0;
    for (let index = 0; index < candidate.length; index++) {
      let digit = Number(candidate[candidate.length - 1 - index]);
      if (index % 2 === 1) {
        digit *= 2;
        if (digit > 9) digit -= 9;
      }
      sum += digit;
    }
    if (sum % 10 === 0) {
      digits = candidate;
      break;
    }
  }
  return digits;
}
function card(): string {
  const kind = pick(["visa", "mc", "amex", "disc"]);
  if (kind === "amex") {
    const d = luhnComplete(pick(["34", "37"]), 15);
    return random() < 0.5 ? d : `${d.slice(0, 4)} ${d.slice(4, 10)} ${d.slice(10)}`;
  }
  const d = luhnComplete(
    kind === "visa" ? "4" : kind === "mc" ? pick(["51", "53", "55", "2221"]) : "6011",
    16,
  );
  const sep = pick(["", " ", "-"]);
  return sep === "" ? d : d.replace(/(\d{4})(?=\d)/g, `$1${sep}`);
}
function ssn(): string {
  const area = String(int(1, 665)).padStart(3, "0");
  return `${area}-${String(int(1, 99)).padStart(2, "0")}-${String(int(1, 9999)).padStart(4, "0")}`;
}
function apiKey(): string {
  switch (int(0, 7)) {
    case 0:
      return `sk-proj-${chars(ALNUM, 48)}`;
    case 1:
      return `ghp_${chars(ALNUM, 36)}`;
    case 2:
      return `AKIA${chars(`${UPPER}${DIGITS}`, 16)}`;
    case 3:
      return `xoxb-${chars(DIGITS, 11)}-${chars(DIGITS, 12)}-${chars(ALNUM, 24)}`;
    case 4:
      return `sk_live_${chars(ALNUM, 28)}`;
    case 5:
      return `glpat-${chars(ALNUM, 20)}`;
    case 6:
      return `hf_${chars(ALNUM, 34)}`;
    default:
      return `AIza${chars(ALNUM, 35)}`;
  }
}
function email(): string {
  const faker = fakerOf(pick(NAME_LOCALES));
  return faker.internet.email().toLowerCase();
}
function dob(): string {
  const date = en.date.birthdate({ min: 18, max: 80, mode: "age" });
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth() + 1;
  const d = date.getUTCDate();
  return pick([
    `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`,
    `${String(d).padStart(2, "0")}.${String(m).padStart(2, "0")}.${y}`,
    `${d} ${en.date.month({ abbreviated: false, context: false }) ?? "March"} ${y}`,
  ]);
}

// ---------- addresses in several countries ----------
function address(): string {
  const country = pick(["de", "fr", "es", "it", "nl", "en_GB", "en_US", "de_AT", "pl", "pt_PT"] as const);
  const f = fakerOf(country);
  const street = f.location.street();
  const number = String(int(1, 240));
  const zip = f.location.zipCode();
  const city = f.location.city();
  switch (country) {
    case "en_US":
      return `${number} ${street}, ${city}, ${f.location.state({ abbreviated: true })} ${zip.slice(0, 5)}`;
    case "en_GB":
      return `${number} ${street}, ${city} ${zip}`;
    case "fr":
      return `${number} ${street}, ${zip} ${city}`;
    default:
      return `${street} ${number}, ${zip} ${city}`;
  }
}
function city(): string {
  return fakerOf(
    pick(["de", "fr", "es", "it", "nl", "en_GB", "en_US", "pl", "sv", "tr"] as const),
  ).location.city();
}

// ---------- templates (support chat and logs, several languages) ----------
type Template = () => string;
const ibanLine = (value: string): string =>
  pick([
    `hi, refund should go to ${L("IBAN", value)} pls`,
    `Kontoinhaber geändert, neue IBAN: ${L("IBAN", value)}`,
    `[billing] payout_target=${L("IBAN", value)} status=queued`,
    `Merci de verser le remboursement sur ${L("IBAN", value)}.`,
    `account (iban) ${L("IBAN", value)} — checked twice`,
    `transfer to ${L("IBAN", value)} failed: beneficiary bank timeout`,
  ]);
const phoneLine = (value: string, national: boolean): string =>
  national
    ? pick([
        `my mobile is ${L("PHONE", value)}, text anytime`,
        `Tel.: ${L("PHONE", value)}`,
        `please ring me on ${L("PHONE", value)} after 5`,
        `whatsapp ${L("PHONE", value)} if urgent`,
        `Rückruf unter ${L("PHONE", value)} (Telefon)`,
      ])
    : pick([
        `ok reach me at ${L("PHONE", value)}`,
        `[sms] delivered to ${L("PHONE", value)} in 1.2s`,
        `new number ${L("PHONE", value)} from next week`,
        `caller ${L("PHONE", value)} asked about invoice status`,
        `${L("PHONE", value)} — that's my cell`,
        `contact: ${L("PHONE", value)}`,
      ]);

const POSITIVE: Template[] = [
  () => `hey it's ${L("PERSON", personName())}, still waiting on my refund`,
  () => `ticket assigned to ${L("PERSON", personName())} by the on-call bot`,
  () => `Bonjour, je suis ${L("PERSON", personName())} et j'ai un problème de connexion.`,
  () => `Hola, soy ${L("PERSON", personName())}; mi pedido no llegó.`,
  () => `Grüße, ${L("PERSON", personName())}`,
  () => `thanks ${L("PERSON", personName())} for the quick fix!`,
  () => `${L("PERSON", personName())} wrote: the export is empty again`,
  () => `cc ${L("PERSON", personName())} and ${L("PERSON", personName())} on this thread`,
  () => `ship it to ${L("LOCATION", address())} please`,
  () => `Lieferadresse: ${L("LOCATION", address())}`,
  () => `billing address is ${L("LOCATION", address())}`,
  () => `moving to ${L("LOCATION", city())} next month, update my profile`,
  () => `I'm travelling from ${L("LOCATION", city())} on Monday`,
  () => `customer in ${L("LOCATION", city())} reports timeouts`,
  () => `${L("PERSON", personName())}, ${L("LOCATION", address())}`,
  () => `send the contract to ${L("EMAIL", email())} and ${L("EMAIL", email())}`,
  () => `[auth] login failed for user=${L("EMAIL", email())} ip=${L("IP_ADDRESS", en.internet.ipv4())}`,
  () => `my login is ${L("EMAIL", email())}, can't reset password`,
  () => `E-Mail: ${L("EMAIL", email())}`,
  () => `card on file ${L("CREDIT_CARD", card())} was declined`,
  () => `charge ${L("CREDIT_CARD", card())} exp 09/29`,
  () => `SSN ${L("US_SSN", ssn())} for the W-9`,
  () => `here's my social: ${L("US_SSN", ssn())}`,
  () => `I pasted my key by mistake: ${L("API_KEY", apiKey())} — please rotate it`,
  () => `export OPENAI_API_KEY=${L("API_KEY", `sk-proj-${chars(ALNUM, 48)}`)}`,
  () =>
    `GET ${L("API_KEY", `https://api.${en.internet.domainName()}/v2/items?access_token=${chars(ALNUM, 40)}`)} 401`,
  () => `curl -H "Authorization: Bearer ${L("API_KEY", chars(ALNUM, 40))}" ${L("URL", en.internet.url())}`,
  () => `the dashboard is at ${L("URL", `${en.internet.url()}/reports/${int(1, 999)}`)}`,
  () => `docs moved: ${L("URL", `https://www.${en.internet.domainName()}/help`)}`,
  () => `peer ${L("IP_ADDRESS", en.internet.ipv6())} reset the connection`,
  () => `[dhcp] lease ${L("IP_ADDRESS", en.internet.ipv4())} to ${L("MAC_ADDRESS", en.internet.mac())}`,
  () => `device mac ${L("MAC_ADDRESS", en.internet.mac({ separator: "-" }))} is blocked`,
  () => `date of birth ${L("DATE_OF_BIRTH", dob())} doesn't match`,
  () => `geboren am ${L("DATE_OF_BIRTH", dob())}`,
  () =>
    `${L("PERSON", personName())} <${L("EMAIL", email())}>, ${L("PHONE", getExampleNumber("GB", examples)?.formatInternational() ?? "")}`,
];

const gitHost = () => pick(["github.com", "gitlab.com", "bitbucket.org", "git.internal.example"]);
const NEGATIVE: Template[] = [
  () =>
    `git clone git@${gitHost()}:${en.internet.username().toLowerCase()}/${en.hacker.noun().replace(/ /g, "-")}.git`,
  () => `remote origin: git@${gitHost()}:acme/${en.word.noun()}-service`,
  () => `set OPENAI_API_KEY=sk-... before running`,
  () => `aws_access_key_id = AKIAXXXXXXXXXXXXXXXX`,
  () => `replace <your-api-key> with the key from the console`,
  () => `Authorization: Bearer <token>`,
  () => `card: XXXX XXXX XXXX ${chars(DIGITS, 4)} (masked)`,
  () => `IBAN: DE00 XXXX XXXX XXXX XXXX XX`,
  () => `api_key: xxxxxxxxxxxxxxxxxxxx`,
  () => `upgraded to v${int(1, 20)}.${int(0, 30)}.${int(0, 99)}, still broken`,
  () => `node ${int(18, 24)}.${int(0, 20)}.${int(0, 9)} / npm ${int(8, 11)}.${int(0, 9)}.${int(0, 9)}`,
  () => `build ${int(2020, 2026)}.${int(1, 12)}.${int(1, 28)}.${int(1000, 9999)} is live`,
  () => `order #${chars(DIGITS, 9)} shipped`,
  () => `ticket ${pick(["INC", "JIRA", "SUP", "OPS"])}-${chars(DIGITS, int(4, 7))} closed`,
  () => `order number ${chars(DIGITS, 10)}, invoice ${chars(DIGITS, 8)}`,
  () => `reference ${chars(DIGITS, 3)} ${chars(DIGITS, 3)} ${chars(DIGITS, 3)} on the invoice`,
  () => `tracking ${chars(DIGITS, 12)} via ${pick(["UPS", "DHL", "FedEx"])}`,
  () => `commit ${chars(HEX, 40)} broke the build`,
  () => `sha256: ${chars(HEX, 64)}`,
  () => `fixed in ${chars(HEX, 7)}`,
  () => `request_id=${en.string.uuid()} took ${int(10, 900)}ms`,
  () => `trace ${en.string.uuid()} span ${chars(HEX, 16)}`,
  () => `${int(1, 9)}${chars(DIGITS, 8)} rows scanned in ${int(1, 60)}s`,
  () => `error code ${chars(DIGITS, 9)} from the payment provider`,
  () => `Visual Studio Code keeps crashing on Windows`,
  () => `we use Apache Kafka and Google Cloud Run`,
  () => `Next.js ${int(13, 15)} with React Server Components`,
  () => `Please Restart The Service`,
  () => `Main Street Capital is a ticker, not an address`,
  () => `the New York Times API returned 429`,
  () => `listen on 0.0.0.0:${int(1024, 65535)} (docker)`,
  () => `port ${int(1024, 65535)}, timeout ${int(1, 120)}s, retries ${int(1, 9)}`,
  () => `price ${int(1, 999)}.${chars(DIGITS, 2)} EUR, qty ${int(1, 50)}`,
  () => `ISBN 978-${chars(DIGITS, 1)}-${chars(DIGITS, 3)}-${chars(DIGITS, 5)}-${chars(DIGITS, 1)}`,
  () => `timestamp ${int(1_600_000_000, 1_800_000_000)} (unix)`,
  () => `see RFC ${int(1000, 9999)} section ${int(1, 9)}.${int(1, 9)}`,
  () => `user@localhost is the default admin account`,
  () => `regex: ^[\\w.+-]+@[\\w-]+\\.[\\w.]+$`,
  () => `the meeting is at 10:30 in room ${int(100, 499)}`,
  () => `docker pull ghcr.io/acme/${en.word.noun()}:${int(1, 9)}.${int(0, 9)}`,
  () => `Error: ECONNRESET at TLSSocket.onConnectEnd (node:_tls_wrap:${int(100, 2000)}:${int(1, 40)})`,
  () =>
    `IBAN check digits wrong: ${(() => {
      const [country, pattern] = pick(registry);
      return iban(country, pattern, false);
    })()} — please re-enter`,
];

// ---------- assemble ----------
const lines: string[] = [
  "# Held-out set for @chainwatch/pii-redact's quality report. Generated by bench/generate-heldout.ts (seeded); never tuned on.",
];
// Every registry country once (IBAN recall over all formats), every phone region once.
for (const [country, pattern] of registry) lines.push(`P\t${ibanLine(printedIban(iban(country, pattern)))}`);
for (const region of regions) {
  const number = phone(region);
  if (number) lines.push(`P\t${phoneLine(number.text, number.national)}`);
}
const structuredCount = lines.length - 1;
// Mixed positives, weighted toward names and places (where the detectors are weakest).
const mixed = 420;
for (let index = 0; index < mixed; index++) lines.push(`P\t${pick(POSITIVE)()}`);
// Hard negatives: about 35% of all lines.
const positives = structuredCount + mixed;
const negatives = Math.round((positives * 0.35) / 0.65);
for (let index = 0; index < negatives; index++) lines.push(`N\t${pick(NEGATIVE)()}`);
// The IBAN test line above is a hard negative only when its mod-97 check fails, which `iban(…, false)` ensures.

writeFileSync(new URL("./corpus-heldout.txt", import.meta.url), `${lines.join("\n")}\n`);
console.log(`wrote ${lines.length - 1} lines (${positives} labelled, ${negatives} hard negatives)`);
