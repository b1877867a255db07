/**
 * What consumers (web, scripts, tests) need to call the API with end-to-end types: the router
 * *type* only (erased at compile time, so no server code is bundled) and the zod schemas.
 */
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "./router.js";

export type { AppRouter };
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export * from "@p2p/schemas";
