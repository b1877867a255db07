import type { ModuleJob } from "../jobs";
import { RESET_MAIL_JOB, sendPasswordResetMail } from "./recovery";
import { purgeExpiredSignupRequests } from "./repo";
import { SIGNUP_MAIL_JOB, sendSignUpMail } from "./signup";

/** Mail that public auth procedures cause, sent off the request path so timing tells nothing; and cleanup. */
export const authJobs: ModuleJob[] = [
  { name: SIGNUP_MAIL_JOB, run: sendSignUpMail },
  { name: RESET_MAIL_JOB, run: sendPasswordResetMail },
  { name: "auth.purgeSignupRequests", everyMs: 60 * 60 * 1000, run: (deps) => purgeExpiredSignupRequests(deps.db) },
];
