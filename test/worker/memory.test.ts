import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { zeroUsage } from "../../src/domain/views.ts";
import type { ProjectDO } from "../../src/do/project-do.ts";
import { JobStore } from "../../src/do/storage/jobs.ts";
import { MemoryStore } from "../../src/do/storage/memory.ts";
import { MetaStore } from "../../src/do/storage/meta.ts";
import { OutboxStore } from "../../src/do/storage/outbox.ts";
import { VersionStore } from "../../src/do/storage/versions.ts";
import { newId } from "../../src/ids.ts";
import type { FakeCall } from "./helpers.ts";
import { calls, createProject, fake, newUser, postUpdate, projectStub, waitForJob } from "./helpers.ts";

const metadataCalls = async (projectId: string): Promise<FakeCall[]> => (await calls(projectId)).calls.filter((c) => c.operation === "metadata" && c.outcome === "ok");

function memoryOf(projectId: string) {
  return runInDurableObject(projectStub(projectId), (_instance: ProjectDO, state) => {
    const memory = new MemoryStore(state.storage.sql);
    return { ...memory.get(), updates: memory.recentUpdates() };
  });
}

describe("incremental metadata", () => {
  it("labels requests with their version and hands the metadata step the previous documentation and the paths changed since", async () => {
    const user = newUser();
    const created = await createProject(user);
    expect((await waitForJob(user, created.projectId, created.jobId)).status).toBe("succeeded");
    const update = await postUpdate(user, created.projectId, "add a footer");
    expect((await waitForJob(user, created.projectId, update.jobId)).status).toBe("succeeded");

    const log = (await calls(created.projectId)).calls;
    expect(log.filter((c) => c.operation === "build" || c.operation === "update").map((c) => c.versionNumber)).toEqual([1, 2]);
    const [first, second] = await metadataCalls(created.projectId);
    // The build: no documentation yet; every file it wrote is new.
    expect(first?.metadataContext).toEqual({ previousDocumentation: null, changedPaths: ["src/build-1.txt"] });
    // The update: version 1's documentation, and what the update step changed.
    expect(second?.metadataContext).toEqual({ previousDocumentation: "# Project\n1 files", changedPaths: ["src/update-1.txt"] });

    const memory = await memoryOf(created.projectId);
    expect(memory).toMatchObject({ documentation: "# Project\n2 files", recommendations: ["add tests"], documentedVersion: 2 });
    expect(memory.updates.map((u) => [u.versionNumber, u.kind, u.prompt, u.changedPaths, u.outcome])).toEqual([
      [1, "create", "build a todo app", ["src/build-1.txt"], "succeeded"],
      [2, "update", "add a footer", ["src/update-1.txt"], "succeeded"],
    ]);
  });

  it("after a version without documentation, the next context spans every change since the last documented version", async () => {
    const user = newUser();
    const created = await createProject(user);
    await waitForJob(user, created.projectId, created.jobId);
    await fake(created.projectId, "failures", { failures: [{ operation: "metadata", code: "internal", retryable: false }] });
    const undocumented = await waitForJob(user, created.projectId, (await postUpdate(user, created.projectId, "tweak")).jobId);
    expect(undocumented.warnings).toContain("metadata generation failed; the version has no recommendations or documentation");
    // A failed update changes nothing; it is logged with its outcome.
    await fake(created.projectId, "failures", { failures: [{ operation: "update", code: "internal", retryable: false }] });
    expect((await waitForJob(user, created.projectId, (await postUpdate(user, created.projectId, "broken")).jobId)).status).toBe("failed");
    expect((await waitForJob(user, created.projectId, (await postUpdate(user, created.projectId, "again")).jobId)).status).toBe("succeeded");

    const latest = (await metadataCalls(created.projectId)).at(-1);
    expect(latest?.metadataContext?.previousDocumentation).toBe("# Project\n1 files");
    expect(latest?.metadataContext?.changedPaths).toEqual(["src/update-1.txt", "src/update-3.txt"]);
    const memory = await memoryOf(created.projectId);
    expect(memory.updates.map((u) => [u.versionNumber, u.outcome])).toEqual([[1, "succeeded"], [2, "succeeded"], [3, "failed"], [4, "succeeded"]]);
    expect(memory.documentedVersion).toBe(4);
  });

  it("a job interrupted after its update step still hands the metadata step that step's changed paths", async () => {
    const user = newUser();
    const created = await createProject(user);
    const built = await waitForJob(user, created.projectId, created.jobId);
    const stub = projectStub(created.projectId);
    const jobId = newId("job");
    // What an eviction right after the update step leaves in storage: the job running with
    // its update done and its changes remembered; the step's result, held in memory, is lost.
    await runInDurableObject(stub, async (_instance: ProjectDO, state) => {
      const sql = state.storage.sql;
      const now = Date.now();
      const versionNumber = new MetaStore(sql).takeVersionNumber();
      const versionId = newId("ver");
      const jobs = new JobStore(sql);
      jobs.insert({ id: jobId, versionId, versionNumber, kind: "update", prompt: "add a header", userId: user, idempotencyKey: null, promptHash: "unused" }, now);
      new VersionStore(sql).insert({ number: versionNumber, id: versionId, kind: "update", restoredFrom: null }, now);
      new OutboxStore(sql).push({ op: "insert_version", id: versionId, projectId: created.projectId, versionNumber, kind: "update", prompt: "add a header", jobId });
      jobs.markRunning(jobId, now);
      jobs.recordStep(jobId, "update", built.sessionIdOut, zeroUsage());
      new MemoryStore(sql).recordUpdate({ versionNumber, kind: "update", prompt: "add a header", changedPaths: ["src/header.txt"], outcome: "succeeded", at: now });
      await state.storage.setAlarm(now);
    });
    await runDurableObjectAlarm(stub);
    expect((await waitForJob(user, created.projectId, jobId)).status).toBe("succeeded");
    const log = (await calls(created.projectId)).calls;
    expect(log.map((c) => c.operation)).toEqual(["build", "metadata", "compact", "metadata", "compact"]);
    expect(log[3]?.metadataContext).toEqual({ previousDocumentation: "# Project\n1 files", changedPaths: ["src/header.txt"] });
  });
});
