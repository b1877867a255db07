/**
 * In the workspace the router type comes straight from the API's sources. The build
 * (scripts/build.ts) writes dist/router.d.ts instead: the same type, emitted by TypeScript and made
 * self-contained, so a consumer outside the workspace needs neither @p2p/api nor the server's
 * dependencies.
 */
export type { AppRouter } from "@p2p/api";
