import type { AppDeps } from "../../deps";
import { defineUserView, type Principal } from "../../infra/auth/authenticator";
import { timezoneOf } from "./repo";

const timezoneView = defineUserView<string>("users.timezone");

/**
 * The caller's time zone (their profile setting), for "today" and "overdue": cached on the node
 * with their other views, dropped on every node by a profile change (users.updateMe broadcasts it).
 */
export const timezoneFor = (deps: AppDeps, caller: Principal): Promise<string> =>
  deps.authenticator.userView(timezoneView, caller, () => timezoneOf(deps.db, caller.userId));
