import type { AppDeps } from "../../deps";
import type { Principal } from "../../infra/auth/authenticator";
import { notFound } from "../../lib/errors";
import type { FileRow } from "./repo";
import * as repo from "./repo";

/**
 * Who may download a file: the one rule for GET /files/:id and files.get. A file follows the
 * visibility of the content that holds it. The uploader always sees their own; anyone else only
 * when a holder declared in `modules/index.ts` (`deps.fileHolders`: logos, avatars, forum posts,
 * later direct messages and use cases) says the caller may see content holding it. An unattached
 * file is its uploader's alone. Anything else answers NOT_FOUND, so ids cannot be probed.
 */
export async function visibleFiles(deps: AppDeps, caller: Principal, files: readonly FileRow[]): Promise<Set<string>> {
  const visible = new Set(files.filter((f) => f.ownerId === caller.userId).map((f) => f.id));
  let rest = files.filter((f) => !visible.has(f.id));
  // In declaration order, asking each holder only about the files still undecided.
  for (const holder of deps.fileHolders) {
    if (!rest.length) break;
    const seen = await holder.visible(deps, caller, rest);
    for (const file of rest) if (seen.has(file.id)) visible.add(file.id);
    rest = rest.filter((f) => !visible.has(f.id));
  }
  return visible;
}

/** The file's row when the caller may download it, or NOT_FOUND (the same answer as for an unknown id). */
export async function findVisibleFile(deps: AppDeps, caller: Principal, id: string): Promise<FileRow> {
  const file = await repo.findFile(deps.db, id);
  if (!file || !(await visibleFiles(deps, caller, [file])).has(file.id)) throw notFound("File");
  return file;
}
