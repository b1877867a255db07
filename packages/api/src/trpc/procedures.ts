import { baseProcedure } from "./init";

/** Anyone, signed in or not. */
export const publicProcedure = baseProcedure;
