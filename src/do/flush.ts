import type { Db } from "../db/client.ts";
import { awaitsParentRow, isPermanentWriteError, pgErrorText, sqlState } from "../db/errors.ts";
import { applyWrite } from "../db/repo/writes.ts";
import type { PgWrite } from "../db/repo/writes.ts";
import { MAX_PARENT_WAITS } from "./storage/outbox.ts";
import type { OutboxStore } from "./storage/outbox.ts";

/** Writes sent per round trip batch; the rest follow in the next round. */
const BATCH = 500;

export interface FlushDeps {
  outbox: OutboxStore;
  projectId: string;
  withDb<T>(work: (db: Db) => Promise<T>): Promise<T>;
  now(): number;
}

function deadLetter(deps: FlushDeps, seq: number, write: PgWrite, err: unknown): void {
  const state = sqlState(err);
  const text = pgErrorText(err);
  console.error(`postgres refused a ${write.op} for good (${state ?? "no row"}); moved to the dead letter: ${text.slice(0, 200)}`);
  deps.outbox.deadLetter(seq, write, state, text, deps.now());
  // Postgres learns that (not what) it refused, so the metrics count it; that record
  // itself is never dead-lettered twice over.
  if (write.op !== "record_dead_letter") {
    deps.outbox.push({ op: "record_dead_letter", key: crypto.randomUUID(), row: { projectId: deps.projectId, op: write.op, sqlState: state } });
  }
}

/**
 * Sends the outbox to Postgres in order. A write refused for good (SQLSTATE class 22/23)
 * moves to the dead letter and the rest go on; a transient failure stops the flush there,
 * keeping order, and the caller retries later with backoff. A write refused for a row
 * another object sends (awaitsParentRow) counts as transient until it has waited
 * MAX_PARENT_WAITS times. True when the outbox is empty.
 */
export async function flushOutbox(deps: FlushDeps): Promise<boolean> {
  for (;;) {
    const pending = deps.outbox.pending(BATCH);
    if (pending.length === 0) return true;
    try {
      await deps.withDb(async (db) => {
        for (const { seq, write, parentWaits } of pending) {
          try {
            await applyWrite(db, write);
            deps.outbox.done(seq);
          } catch (err) {
            const awaitsParent = awaitsParentRow(err, write.op);
            if (awaitsParent && parentWaits + 1 < MAX_PARENT_WAITS) {
              deps.outbox.waitingForParent(seq);
              throw err;
            }
            if (!isPermanentWriteError(err) && !awaitsParent) throw err;
            deadLetter(deps, seq, write, err);
          }
        }
      });
    } catch (err) {
      const first = deps.outbox.pending(1)[0];
      const reason = pgErrorText(err);
      if (first !== undefined) deps.outbox.failed(first.seq, reason);
      console.error(`postgres write failed; ${deps.outbox.size()} kept in the outbox: ${reason.slice(0, 200)}`);
      return false;
    }
  }
}
