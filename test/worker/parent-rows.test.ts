// A project's objects (main and each branch) each send their own outbox to Postgres, in no
// order between them: a branch's version row can arrive before main's project row. Against
// the real Postgres of the worker tests, such a write waits for its parent instead of being
// dead-lettered, and gives up (dead letter) only after a bounded wait.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { applyWrite } from "../../src/db/repo/writes.ts";
import type { PgWrite } from "../../src/db/repo/writes.ts";
import { projectVersions } from "../../src/db/schema.ts";
import { flushOutbox } from "../../src/do/flush.ts";
import { MAX_PARENT_WAITS, OutboxStore } from "../../src/do/storage/outbox.ts";
import { migrate } from "../../src/do/storage/schema.ts";
import { newId } from "../../src/ids.ts";
import { db } from "./helpers.ts";

/** A branch object's outbox, in a fresh object's SQLite. */
function inBranchOutbox(test: (outbox: OutboxStore, flush: () => Promise<boolean>) => Promise<void>): Promise<void> {
  return runInDurableObject(env.PROJECT.getByName(`outbox-${crypto.randomUUID()}`), async (_instance, state) => {
    migrate(state.storage.sql);
    const outbox = new OutboxStore(state.storage.sql);
    await test(outbox, () => flushOutbox({ outbox, projectId: "unused", withDb: db, now: Date.now }));
  });
}

function branchVersion(projectId: string): { insert: PgWrite; update: PgWrite; id: string } {
  const id = newId("ver");
  return {
    id,
    insert: { op: "insert_version", id, projectId, versionNumber: 2, kind: "branch", prompt: "Branch side from version 1", jobId: newId("job"), branch: "side" },
    update: { op: "update_version", id, patch: { status: "succeeded" } },
  };
}

const upsertProject = (projectId: string): PgWrite => ({ op: "upsert_project", id: projectId, ownerUserId: "usr_parent", name: "parent rows", resumeEnabled: null });

describe("writes whose parent row another object sends", () => {
  it("a branch's version row before main's project row waits for it, then lands with the writes behind it", async () => {
    const projectId = newId("prj");
    const version = branchVersion(projectId);
    await inBranchOutbox(async (outbox, flush) => {
      outbox.push(version.insert);
      outbox.push(version.update);
      expect(await flush()).toBe(false);
      expect(await flush()).toBe(false);
      expect(outbox.size()).toBe(2);
      expect(outbox.deadLetters()).toBe(0);

      await db((d) => applyWrite(d, upsertProject(projectId))); // main's outbox lands its row
      expect(await flush()).toBe(true);
      expect(outbox.deadLetters()).toBe(0);
      const rows = await db((d) => d.select().from(projectVersions).where(eq(projectVersions.id, version.id)));
      expect(rows.map((r) => [r.branch, r.status])).toEqual([["side", "succeeded"]]);
    });
  });

  it("a copy of documentation from a source version not in Postgres yet waits for it too", async () => {
    const projectId = newId("prj");
    const version = branchVersion(projectId);
    await db((d) => applyWrite(d, upsertProject(projectId)));
    await inBranchOutbox(async (outbox, flush) => {
      outbox.push(version.insert);
      outbox.push({ op: "copy_version_docs", id: version.id, projectId, fromVersion: 1 });
      expect(await flush()).toBe(false);
      expect(outbox.size()).toBe(1);

      const source: PgWrite = { op: "insert_version", id: newId("ver"), projectId, versionNumber: 1, kind: "create", prompt: "build", jobId: newId("job") };
      await db(async (d) => {
        await applyWrite(d, source);
        await applyWrite(d, { op: "update_version", id: source.id, patch: { documentation: "# the app" } });
      });
      expect(await flush()).toBe(true);
      expect(outbox.deadLetters()).toBe(0);
      const rows = await db((d) => d.select().from(projectVersions).where(eq(projectVersions.id, version.id)));
      expect(rows[0]?.documentation).toBe("# the app");
    });
  });

  it("a parent that never comes: after a bounded wait the write goes to the dead letter and the rest go on", async () => {
    const projectId = newId("prj");
    const version = branchVersion(projectId);
    await inBranchOutbox(async (outbox, flush) => {
      outbox.push(version.insert);
      for (let i = 1; i < MAX_PARENT_WAITS; i++) expect(await flush()).toBe(false);
      expect(outbox.deadLetters()).toBe(0);
      await flush();
      // The insert is a dead letter; nothing waits behind it for good.
      expect(outbox.deadLetters()).toBe(1);
      expect(outbox.pending(10).map((p) => p.write.op)).not.toContain("insert_version");
    });
  });
});
