/**
 * A stored series key (`name{a="x",b="y"}`, label values escaped as the text format
 * escapes them) back to its label set, `__name__` included: what a remote-write time
 * series carries.
 */
export function labelsOfKey(key: string): Record<string, string> {
  const brace = key.indexOf("{");
  if (brace < 0) return { __name__: key };
  if (!key.endsWith("}")) throw new Error(`not a series key: ${key}`);
  const labels: Record<string, string> = { __name__: key.slice(0, brace) };
  const body = key.slice(brace + 1, -1);
  let at = 0;
  while (at < body.length) {
    const equals = body.indexOf('="', at);
    if (equals < 0) throw new Error(`not a series key: ${key}`);
    const name = body.slice(at, equals);
    let value = "";
    let i = equals + 2;
    for (; i < body.length && body[i] !== '"'; i++) {
      const char = body[i];
      if (char === "\\") {
        const next = body[++i];
        value += next === "n" ? "\n" : (next ?? "");
      } else value += char;
    }
    if (i >= body.length) throw new Error(`not a series key: ${key}`);
    labels[name] = value;
    at = i + 1;
    if (body[at] === ",") at++;
  }
  return labels;
}
