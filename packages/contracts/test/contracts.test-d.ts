import type { P2PClient } from "@p2p/client";
import { describe, expectTypeOf, it } from "vitest";
import type { RouterInputs, RouterOutputs } from "../src";

describe("contracts", () => {
  it("infers a call's output type from the server's router", () => {
    expectTypeOf<RouterOutputs["system"]["info"]>().toEqualTypeOf<{ version: string; time: Date }>();
    expectTypeOf<P2PClient["system"]["info"]["query"]>().returns.resolves.toEqualTypeOf<{
      version: string;
      time: Date;
    }>();
  });

  it("infers a call's input type from the server's router", () => {
    expectTypeOf<RouterInputs["system"]["info"]>().toEqualTypeOf<void>();
    // A procedure that does not exist is a compile error, not a runtime 404.
    // @ts-expect-error no such procedure
    expectTypeOf<P2PClient["system"]["nope"]>();
  });
});
