import superjson from "superjson";
import { describe, expect, it } from "vitest";
import { sharedPayload, wireTransformer } from "../src/trpc/transformer";

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
        const out = wireTransformer.serialize({ id, data });
        expect(out).toEqual(superjson.serialize({ id, data }));
        expect(superjson.deserialize(out)).toEqual({ id, data: payload });
      }
    });
  }

  it("leaves everything else to superjson", () => {
    const notShared = { id: "1-0", data: { at: new Date(5) } };
    expect(wireTransformer.serialize(notShared)).toEqual(superjson.serialize(notShared));
    const extraKey = { id: "1-0", data: sharedPayload({ at: new Date(6) }), more: 1 };
    expect(wireTransformer.serialize(extraKey)).toEqual(superjson.serialize(extraKey));
    expect(wireTransformer.serialize([1, new Date(7)])).toEqual(superjson.serialize([1, new Date(7)]));
    const roundTrip = superjson.serialize({ at: new Date(8) });
    expect(wireTransformer.deserialize(roundTrip)).toEqual({ at: new Date(8) });
  });
});
