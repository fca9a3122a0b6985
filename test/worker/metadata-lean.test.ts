// The lean metadata step (METADATA_STEP=lean, the default): facts computed, a patch for the
// changed paths only, off the chain, no model call when nothing changed, METADATA_MODEL used.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { projectVersions } from "../../src/db/schema.ts";
import { parseDocumentation } from "../../src/metadata/documentation.ts";
import type { FakeCall } from "./helpers.ts";
import { api, calls, createProject, db, newUser, updateSucceeded, waitForJob } from "./helpers.ts";

const ok = (log: FakeCall[], operation: string): FakeCall[] => log.filter((c) => c.operation === operation && c.outcome === "ok");

async function version(projectId: string, versionNumber: number) {
  const rows = await db((d) => d.select().from(projectVersions).where(eq(projectVersions.projectId, projectId)));
  const row = rows.find((r) => r.versionNumber === versionNumber);
  if (row === undefined) throw new Error(`no version ${versionNumber}`);
  return row;
}


describe("the lean metadata step", () => {
  it("runs in a fork that never becomes the head, with METADATA_MODEL, and patches only the changed paths", async () => {
    const user = newUser();
    const created = await createProject(user);
    expect((await waitForJob(user, created.projectId, created.jobId)).status).toBe("succeeded");
    await updateSucceeded(user, created.projectId, "add a footer");

    const log = (await calls(created.projectId)).calls;
    const [build, upd] = [ok(log, "build")[0], ok(log, "update")[0]];
    const [firstMeta, secondMeta] = ok(log, "metadata");
    // Forks of the build's and the update's sessions, run with the configured model.
    expect(firstMeta?.resumeSessionId).toBe(build?.sessionIdOut);
    expect(secondMeta?.resumeSessionId).toBe(upd?.sessionIdOut);
    expect(firstMeta?.model).toBe(env.METADATA_MODEL);
    expect(env.METADATA_MODEL).not.toBe("");
    // The build documents every file; the update asks only about the path it changed, with no previous entry.
    expect(firstMeta?.documentationPatch).toEqual({ changed: [{ path: "src/build-1.txt", previousEntry: null }], removed: [] });
    expect(secondMeta?.documentationPatch).toEqual({ changed: [{ path: "src/update-1.txt", previousEntry: null }], removed: [] });
    expect(secondMeta?.metadataContext).toBeNull();
    // The head never moves to the metadata fork: the job-end compaction (COMPACTION_POLICY=always
    // here) compacts the update's session, and the next update resumes what that left.
    const compact = ok(log, "compact")[1];
    expect(compact?.resumeSessionId).toBe(upd?.sessionIdOut);
    await updateSucceeded(user, created.projectId, "add a header");
    const after = (await calls(created.projectId)).calls;
    expect(ok(after, "update")[1]?.resumeSessionId).toBe(compact?.sessionIdOut);

    const v2 = await version(created.projectId, 2);
    expect(v2.aiSessionId).toBe(compact?.sessionIdOut);
    expect(v2.documentationFromVersion).toBe(2);
    expect(v2.recommendations).toEqual(["add tests"]);
    // Facts computed from the workspace; descriptions from the patch (build-1's kept from version 1).
    expect(parseDocumentation(v2.documentation ?? "")).toEqual([
      { path: "src/build-1.txt", bytes: 16, lines: 1, firstLine: "build a todo app", description: "describes src/build-1.txt" },
      { path: "src/update-1.txt", bytes: 12, lines: 1, firstLine: "add a footer", description: "describes src/update-1.txt" },
    ]);
    expect(v2.documentation).toContain("## Changed since version 1\n\n- added `src/update-1.txt`");

    // The version API keeps the shape, with where the documentation comes from.
    const res = await api("GET", `/v1/projects/${created.projectId}/versions`, { user });
    expect(res.status).toBe(200);
    const listed = (res.body["versions"] as { versionNumber: number }[]).find((v) => v.versionNumber === 2);
    expect(listed).toMatchObject({ documentationFromVersion: 2, recommendations: ["add tests"], aiSessionId: compact?.sessionIdOut });
  });

  it("makes no model call when the update changed no file: the version keeps its predecessor's documentation and says so", async () => {
    const user = newUser();
    const created = await createProject(user);
    await waitForJob(user, created.projectId, created.jobId);
    await updateSucceeded(user, created.projectId, "(no change)");
    expect(ok((await calls(created.projectId)).calls, "metadata")).toHaveLength(1);
    const [v1, v2] = [await version(created.projectId, 1), await version(created.projectId, 2)];
    expect(v2.documentation).toBe(v1.documentation);
    expect(v2.recommendations).toEqual(v1.recommendations);
    expect(v2.documentationFromVersion).toBe(1);
    // The job's cost is the update's alone.
    expect(v2.costUsd).toBeGreaterThan(0);
  });

  it("drops a removed path's entry and asks only about changed ones, each with its previous entry", async () => {
    const user = newUser();
    const created = await createProject(user);
    await waitForJob(user, created.projectId, created.jobId);
    await updateSucceeded(user, created.projectId, "add a footer");
    await updateSucceeded(user, created.projectId, "remove src/build-1.txt");
    let log = (await calls(created.projectId)).calls;
    // Only a removal: code drops the entry, no model call.
    expect(ok(log, "metadata")).toHaveLength(2);
    const v3 = await version(created.projectId, 3);
    expect(v3.documentationFromVersion).toBe(3);
    expect(parseDocumentation(v3.documentation ?? "")?.map((f) => f.path)).toEqual(["src/update-1.txt"]);
    expect(v3.documentation).toContain("- removed `src/build-1.txt`");

    await updateSucceeded(user, created.projectId, "add a sidebar");
    log = (await calls(created.projectId)).calls;
    expect(ok(log, "metadata").at(-1)?.documentationPatch).toEqual({ changed: [{ path: "src/update-3.txt", previousEntry: null }], removed: [] });
  });
});
