/**
 * Weighted header lists (`Accept`, `Accept-Encoding`) read per RFC 9110 §12.4.2: elements
 * separated by commas, parameters by semicolons, optional whitespace around both, names
 * case-insensitive, `q` a weight from 0 to 1 where 0 means "not acceptable". An element
 * whose weight breaks the grammar is left out rather than guessed at.
 */
export interface Weighted {
  /** Lower-case, without parameters: `text/plain`, `gzip`, `*`. */
  value: string;
  q: number;
}

const qvalue = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

export function parseWeighted(header: string | undefined): Weighted[] {
  const out: Weighted[] = [];
  for (const element of (header ?? "").split(",")) {
    const [head = "", ...params] = element.split(";");
    const value = head.trim().toLowerCase();
    if (value === "") continue;
    let q = 1;
    let valid = true;
    for (const param of params) {
      const cut = param.indexOf("=");
      if (cut < 0 || param.slice(0, cut).trim().toLowerCase() !== "q") continue;
      const weight = param.slice(cut + 1).trim();
      valid = qvalue.test(weight);
      q = Number(weight);
    }
    if (valid) out.push({ value, q });
  }
  return out;
}

/** The weight of the most specific element among `ranges` (most specific first); 0 when none matches. */
function weightOf(elements: Weighted[], ranges: readonly string[]): number {
  for (const range of ranges) {
    const matching = elements.filter((element) => element.value === range);
    if (matching.length > 0) return Math.max(...matching.map((element) => element.q));
  }
  return 0;
}

/**
 * OpenMetrics only when asked for by name with a weight above 0 and at least the weight of
 * the text format; everything else (no header, `*\/*`) gets the text format.
 */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  const elements = parseWeighted(accept);
  const openMetrics = weightOf(elements, ["application/openmetrics-text"]);
  const text = weightOf(elements, ["text/plain", "text/*", "*/*"]);
  return openMetrics > 0 && openMetrics >= text;
}

/** gzip when named (or `x-gzip`), else when `*` allows it, with a weight above 0. */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  return weightOf(parseWeighted(acceptEncoding), ["gzip", "x-gzip", "*"]) > 0;
}
