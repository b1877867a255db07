import { authRouter } from "../modules/auth/router";
import { systemRouter } from "../modules/system/router";
import { router } from "./init";

/** One router per domain; adding a domain means adding its folder under modules/ and one line here. */
export const appRouter = router({
  system: systemRouter,
  auth: authRouter,
});

export type AppRouter = typeof appRouter;
