import fc from "fast-check";
import superjson from "superjson";
import { describe, expect, it } from "vitest";
import { fastSerialize } from "../src/infra/serialize";
import { sharedPayload, wireTransformer } from "../src/trpc/transformer";

/** Byte for byte, as tRPC sends it (the fast path's `json` is the value itself: Dates written by toJSON). */
const wire = (value: unknown) => JSON.stringify(value);

describe("wire transformer", () => {
  const author = { id: "a", firstName: "Hala", since: new Date(1) };
  const payloads = {
    "plain JSON": { type: "post.liked", postId: "p", likeCount: 2 },
    "dates, undefined, null": {
      type: "post.created",
      post: { id: "p", createdAt: new Date(2), editedAt: null, parentId: undefined, author, tags: ["x"] },
    },
    "an object referenced twice": { type: "pair", first: author, second: author },
    "a key with a dot": { "a.b": new Date(3), list: [new Date(4), 1] },
  };

  for (const [name, payload] of Object.entries(payloads)) {
    it(`serializes a shared payload (${name}) exactly as superjson does, every time`, () => {
      const data = sharedPayload(payload);
      for (const id of ["1-0", "2-0", "2-0"]) {
        const out = wire(wireTransformer.serialize({ id, data }));
        expect(out).toBe(wire(superjson.serialize({ id, data })));
        expect(superjson.deserialize(JSON.parse(out))).toEqual({ id, data: payload });
      }
    });
  }

  it("leaves everything else to superjson", () => {
    const notShared = { id: "1-0", data: { at: new Date(5) } };
    expect(wire(wireTransformer.serialize(notShared))).toBe(wire(superjson.serialize(notShared)));
    const extraKey = { id: "1-0", data: sharedPayload({ at: new Date(6) }), more: 1 };
    expect(wire(wireTransformer.serialize(extraKey))).toBe(wire(superjson.serialize(extraKey)));
    expect(wire(wireTransformer.serialize([1, new Date(7)]))).toBe(wire(superjson.serialize([1, new Date(7)])));
    const roundTrip = superjson.serialize({ at: new Date(8) });
    expect(wireTransformer.deserialize(roundTrip)).toEqual({ at: new Date(8) });
  });
});

describe("fast serialize: exactly superjson's output, or nothing", () => {
  const key = fc.oneof(
    fc.string({ maxLength: 6 }),
    fc.constantFrom("a.b", "a\\b", "a\\.b", "..", "0", "10", "__proto__", "constructor", "prototype", "v", "json"),
  );
  const leaf = fc.oneof(
    fc.string(),
    fc.boolean(),
    fc.constant(null),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.date({ noInvalidDate: true }),
    fc.date({ noInvalidDate: true }),
    // Values the fast path must decline (superjson annotates them, or throws).
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, undefined),
    fc.date({ noInvalidDate: false }),
    fc.bigInt(),
  );
  const tree = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: "medium" }, leaf, tie("array"), tie("object")),
    array: fc.array(tie("value"), { maxLength: 6 }),
    object: fc.dictionary(key, tie("value"), { maxKeys: 6 }),
  })).value;

  it("matches superjson.serialize for any value it takes, and declines the rest", () => {
    let taken = 0;
    fc.assert(
      fc.property(tree, (value) => {
        const fast = fastSerialize(value);
        let expected: string;
        try {
          expected = wire(superjson.serialize(value));
        } catch {
          // superjson throws (an invalid Date, a __proto__ key): the fast path must not answer.
          expect(fast).toBeNull();
          return;
        }
        if (fast) {
          taken++;
          expect(wire(fast)).toBe(expected);
        }
        expect(wire(wireTransformer.serialize(value))).toBe(expected);
      }),
      { numRuns: 5000 },
    );
    // The generator reaches the fast path often (about half the values), not only its refusals.
    expect(taken).toBeGreaterThan(1000);
  });

  it("takes what answers are made of", () => {
    const at = new Date("2026-11-29T04:00:00.000Z");
    const answers = [
      { items: [{ id: "t", createdAt: at, author: { id: "a", organization: { id: "o", name: "O" } }, tags: ["x"] }] },
      { items: [], nextCursor: null },
      new Date(0),
      [new Date(1), { "a.b": { "c\\d": new Date(2) } }],
      "text",
      42,
      null,
      Object.assign(Object.create(null), { at: new Date(3) }),
    ];
    for (const answer of answers) {
      const fast = fastSerialize(answer);
      expect(fast).not.toBeNull();
      expect(wire(fast)).toBe(wire(superjson.serialize(answer)));
    }
  });

  it("leaves shared references, cycles, holes and classes to superjson", () => {
    const shared = { id: "a" };
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const date = new Date(5);
    // biome-ignore lint/suspicious/noSparseArray: a hole on purpose
    const holes = [1, , 3];
    const extra = Object.assign([1, 2], { more: new Date(6) });
    for (const value of [
      { a: shared, b: shared },
      cycle,
      { created: date, updated: date },
      holes,
      extra,
      new Map([["a", 1]]),
      { at: new Set([1]) },
      { n: 1n },
      { u: undefined },
      { x: -0 },
      new (class Point {
        x = 1;
      })(),
    ]) {
      expect(fastSerialize(value)).toBeNull();
      expect(wire(wireTransformer.serialize(value))).toBe(wire(superjson.serialize(value)));
    }
  });
});
