import type { JobContext } from "./context.ts";
import { sleep } from "./retry.ts";

export type OwnershipCheck =
  | { ownership: "owned" }
  | { ownership: "violation" | "unverified"; reason: string };

/** First pause between tries while the outbox or Postgres is not ready; doubles up to the cap. */
const FIRST_WAIT_MS = 100;
const MAX_WAIT_MS = 2_000;

/**
 * Does Postgres confirm that one of this project's versions produced `sessionId`? The rows
 * that prove it travel through the outbox, so the check waits (at most
 * OWNERSHIP_CHECK_WAIT_MS) for the outbox to drain. Postgres saying "no" is a violation only
 * when nothing that could prove it is still on its way or was refused by Postgres (the dead
 * letter); otherwise, and when Postgres cannot be asked, the ownership is unverified.
 */
export async function verifyOwnership(ctx: JobContext, sessionId: string): Promise<OwnershipCheck> {
  const deadline = ctx.now() + ctx.config.ownershipWaitMs;
  let wait = FIRST_WAIT_MS;
  for (;;) {
    const flushed = await ctx.flush();
    const owned = await ctx.sessionInPostgres(sessionId);
    if (owned === true) return { ownership: "owned" };
    if (owned === false && flushed) {
      if (ctx.outbox.proofDeadLettered(sessionId)) {
        return { ownership: "unverified", reason: "Postgres refused the rows that record this session (dead letter)" };
      }
      return { ownership: "violation", reason: "Postgres has no version of this project with this session" };
    }
    if (ctx.now() + wait > deadline) {
      const reason = flushed ? "could not verify the session's project in Postgres" : "the outbox has not reached Postgres yet, so the session's project could not be verified";
      return { ownership: "unverified", reason };
    }
    await sleep(wait);
    wait = Math.min(MAX_WAIT_MS, wait * 2);
  }
}
