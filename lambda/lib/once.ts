/**
 * A value built at its first use and kept: for zod schemas that a cold start need not
 * build, because most invocations never parse with them (a zod schema costs some 15 µs to
 * build, and the first of each kind about half a millisecond while its code compiles).
 */
export function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}
