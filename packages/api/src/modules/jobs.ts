import type { AppDeps } from "../deps";

/** A background job a module declares in `modules/index.ts`; `everyMs` makes it recurring. */
export interface ModuleJob {
  name: string;
  everyMs?: number;
  run(deps: AppDeps, data: unknown): Promise<unknown>;
}
