import { type Provider, REMOTE_DATA_JSON_URL, updatePrices, waitForUpdate } from "@pydantic/genai-prices";
import { bumpPriceGeneration } from "./prices.js";

/** Options of {@link refreshPrices}. */
export interface RefreshPricesOptions {
  /**
   * Where to fetch genai-prices' data file.
   * @default genai-prices' published data URL
   */
  url?: string;
  /**
   * The fetch to use (a proxy-aware one, or a stub in tests).
   * @default globalThis.fetch
   */
  fetch?: (url: string) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;
}

/**
 * Opt-in price refresh: downloads genai-prices' latest data and makes every handler and `computeCost` use it
 * (cached model resolutions are dropped). Nothing in this package touches the network unless this is called.
 * Rejects, keeping the bundled data, when the download or the data is bad.
 */
export async function refreshPrices(options: RefreshPricesOptions = {}): Promise<{ providers: number }> {
  const url = options.url ?? REMOTE_DATA_JSON_URL;
  const fetcher = options.fetch ?? globalThis.fetch;
  const data = (async (): Promise<Provider[]> => {
    const response = await fetcher(url);
    if (!response.ok) throw new Error(`price refresh from ${url} failed with HTTP ${response.status}`);
    const body = await response.json();
    if (!Array.isArray(body)) throw new Error(`price refresh from ${url}: expected a list of providers`);
    return body as Provider[];
  })();
  updatePrices(({ setProviderData }) => setProviderData(data));
  const providers = await waitForUpdate();
  bumpPriceGeneration();
  return { providers: providers?.length ?? 0 };
}
