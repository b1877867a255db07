/**
 * `pnpm --filter @p2p/api moderator grant|revoke <email>`: the only way to set the platform moderator
 * flag (never through the API, so a stolen session cannot escalate to it). Reads DATABASE_URL etc.
 */
import { Email } from "@p2p/schemas";
import { closeDeps, createDeps } from "../compose";
import { loadConfig } from "../config";
import { invalidateUsers } from "../infra/auth/authenticator";
import { recordAudit } from "../modules/audit/repo";
import { findUserByEmail, updateUser } from "../modules/users/repo";

const [command, rawEmail] = process.argv.slice(2);
const email = Email.safeParse(rawEmail);
if ((command !== "grant" && command !== "revoke") || !email.success) {
  console.error("usage: moderator grant|revoke <email>");
  process.exit(2);
}

const isModerator = command === "grant";
const deps = await createDeps(loadConfig());
try {
  const user = await findUserByEmail(deps.db, email.data);
  if (!user) {
    console.error(`No user with email ${email.data}`);
    process.exitCode = 1;
  } else if (user.isModerator === isModerator) {
    console.log(`${email.data} ${isModerator ? "is already" : "is not"} a moderator; nothing changed`);
  } else {
    await deps.db.transaction().execute(async (trx) => {
      await updateUser(trx, user.id, { isModerator });
      // Filed under the user's organization so its admins can see why the user's permissions changed.
      await recordAudit(trx, {
        organizationId: user.organizationId,
        actorId: null,
        action: isModerator ? "user.moderator.granted" : "user.moderator.revoked",
        targetType: "user",
        targetId: user.id,
      });
    });
    // Every running node drops its cached principal, so the change applies to open sessions at once.
    await invalidateUsers(deps.events, [user.id]);
    console.log(`${isModerator ? "Granted" : "Revoked"} moderator for ${email.data}`);
  }
} finally {
  await closeDeps(deps);
}
