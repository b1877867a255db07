/**
 * Works through a backlog in batches (a job copying what older rows lack): `batch` handles up to
 * `size` items and answers how many it took off the backlog; runs again while batches come back
 * full and `budgetMs` lasts, so one run does a lot without holding its worker for long. Answers the
 * total handled.
 */
export async function drainBacklog(batch: () => Promise<number>, size: number, budgetMs = 5_000): Promise<number> {
  const until = Date.now() + budgetMs;
  let done = 0;
  while (Date.now() < until) {
    const handled = await batch();
    done += handled;
    if (handled < size) break;
  }
  return done;
}
