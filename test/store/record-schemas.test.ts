import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as z from "../../lambda/lib/zod.ts";
import { recordSchemas } from "../../lambda/store/record-schemas.ts";

/**
 * A delta's lists of tuples (`bo`, `lv`, `re`, `add`) are checked by predicates where they
 * lie (lambda/store/record-schemas.ts `tupleOf`), not copied by `z.tuple`. They must accept
 * exactly what `z.array(z.tuple([...]))` of the same entries accepted, and give back the
 * same values: checked here against those schemas, on generated lists that mix good tuples
 * with every way of being wrong (lengths, types, non-integers, unsafe integers, gauge flags).
 */
const state = z.tuple([
  z.number(),
  z.number(),
  z.number(),
  z.union([z.literal(0), z.literal(1)]),
  z.nullable(z.number()),
]);
const integer = () => z.number().check(z.int());
const reference = z.object({
  g: z.string(),
  c: z.number(),
  bo: z.optional(z.array(z.tuple([integer(), z.number()]))),
  lv: z.optional(z.array(z.tuple([integer(), z.nullable(z.number())]))),
  re: z.optional(z.array(z.tuple([integer(), state]))),
  add: z.optional(z.array(z.tuple([z.string(), state]))),
});

const entry = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom(
    0,
    1,
    2,
    0.5,
    -1,
    2 ** 53,
    -(2 ** 53),
    Number.MAX_SAFE_INTEGER,
    null,
    "7",
    "key",
    true,
    [],
    {},
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const goodState = fc.tuple(
  fc.integer(),
  fc.integer({ min: 0, max: 3600 }),
  fc.integer({ min: 0, max: 3600 }),
  fc.constantFrom(0, 1),
  fc.oneof(fc.constant(null), fc.integer()),
);

/** A tuple made wrong in one way: one entry replaced, or one added or taken away. */
const nearMiss = (good: fc.Arbitrary<unknown[]>) =>
  fc
    .tuple(good, fc.nat(), entry, fc.constantFrom("replace", "add", "drop"))
    .map(([tuple, at, value, how]) => {
      const copy = [...tuple];
      if (how === "add") copy.push(value);
      else if (how === "drop") copy.pop();
      else copy[at % copy.length] = value;
      return copy;
    });

/** A list of tuples of one kind, now and then one of them wrong (or the state inside it). */
const listOf = (good: fc.Arbitrary<unknown[]>) =>
  fc.option(
    fc.array(fc.oneof({ arbitrary: good, weight: 12 }, { arbitrary: nearMiss(good), weight: 1 }), {
      maxLength: 3,
    }),
    {
      nil: undefined,
    },
  );
const withState = (first: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { arbitrary: fc.tuple(first, goodState), weight: 8 },
    { arbitrary: fc.tuple(first, nearMiss(goodState)), weight: 1 },
  );
const lists = fc.record({
  bo: listOf(fc.tuple(fc.integer(), fc.integer())),
  lv: listOf(
    fc.tuple(fc.integer(), fc.oneof(fc.constant(null), fc.double({ noNaN: true, noDefaultInfinity: true }))),
  ),
  re: listOf(withState(fc.nat())),
  add: listOf(withState(fc.string())),
});

describe("a delta's tuples, checked where they lie", () => {
  it("accept and give back exactly what z.tuple did, on 2,000 generated deltas", () => {
    let accepted = 0;
    fc.assert(
      fc.property(lists, (generated) => {
        const shard = { g: "zone/http", c: 1_764_547_200, ...generated };
        const ours = recordSchemas().deltaShard.safeParse(shard);
        const theirs = reference.safeParse(shard);
        expect(ours.success).toBe(theirs.success);
        if (ours.success && theirs.success) {
          accepted++;
          expect(ours.data).toEqual(theirs.data);
        }
      }),
      { seed: 20261202, numRuns: 2_000 },
    );
    // Both verdicts are reached (the seed fixes how often): a generator that only made bad
    // lists would prove nothing.
    expect(accepted).toBe(1_239);
  });
});
