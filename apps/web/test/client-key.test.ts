import { afterEach, describe, expect, it, vi } from "vitest";
import { randomId } from "../src/ui/clientKey";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

afterEach(() => vi.unstubAllGlobals());

describe("randomId", () => {
  it("is a version 4 UUID where crypto.randomUUID exists (a secure context)", () => {
    expect(randomId()).toMatch(UUID_V4);
  });

  it("is one too over plain HTTP, where the browser offers only getRandomValues", () => {
    const { getRandomValues } = globalThis.crypto;
    vi.stubGlobal("crypto", { getRandomValues: getRandomValues.bind(globalThis.crypto) });
    const ids = Array.from({ length: 200 }, randomId);
    for (const id of ids) expect(id).toMatch(UUID_V4);
    expect(new Set(ids).size).toBe(200);
  });
});
