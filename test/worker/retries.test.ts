import { describe, expect, it } from "vitest";
import { calls, fake, newUser, postUpdate, readyProject, runs, waitForJob } from "./helpers.ts";

describe("transient runner failures", () => {
  it("retries with backoff and then succeeds, resuming the same session; a cut stream is followed again, not restarted", async () => {
    const user = newUser();
    const { projectId, headSessionId } = await readyProject(user);
    await fake(projectId, "failures", {
      failures: [
        { operation: "update", code: "overloaded", count: 1 },
        { operation: "update", status: 503, count: 1 },
        // the runner restarts mid-run, leaving a half-edited workspace
        { operation: "update", lost: true, dirty: true, count: 1 },
        { operation: "update", cut: true, count: 1 },
      ],
    });
    const done = await waitForJob(user, projectId, (await postUpdate(user, projectId, "add login")).jobId);
    expect(done.status).toBe("succeeded");
    expect(done.resume?.decision).toBe("resume");
    const log = await calls(projectId);
    const updates = log.calls.filter((c) => c.operation === "update");
    expect(updates.map((c) => c.outcome)).toEqual(["overloaded", "http_503", "run_lost", "ok"]);
    expect(updates.every((c) => c.resumeSessionId === headSessionId)).toBe(true);
    // the re-run after the lost run started from the workspace reset to the chain's tree
    expect(log.files["src/half-done.txt"]).toBeUndefined();
    // the run whose event stream was cut was followed again and never started twice
    const last = (await runs(projectId))[updates[3]?.runId ?? ""];
    expect(last).toMatchObject({ starts: 1, finished: true });
    expect(last?.follows).toBeGreaterThanOrEqual(2);
  });

  it("exhausted retries fail the job with a clear error, and the next queued job still runs", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    const filesBefore = (await calls(projectId)).files;
    await fake(projectId, "failures", { failures: [{ operation: "update", code: "overloaded", count: 4, dirty: true }] });
    const doomed = await postUpdate(user, projectId, "this one will fail");
    const next = await postUpdate(user, projectId, "this one runs after");
    const failed = await waitForJob(user, projectId, doomed.jobId);
    expect(failed.status).toBe("failed");
    expect(failed.error).toEqual({ code: "runner_unavailable", message: "The AI runner stayed overloaded or unreachable; retries were exhausted." });
    const after = await waitForJob(user, projectId, next.jobId);
    // the half-done edits of the failed runs were rolled back to the last good version
    // before the next job built on the workspace
    const files = (await calls(projectId)).files;
    expect(files["src/half-done.txt"]).toBeUndefined();
    expect(files).toMatchObject(filesBefore);
    expect(after.status).toBe("succeeded");
    // the failed job left the chain where it was, so the next one resumes that head
    expect(after.resume?.decision).toBe("resume");
    const updates = (await calls(projectId)).calls.filter((c) => c.operation === "update");
    expect(updates).toHaveLength(5); // RUNNER_MAX_ATTEMPTS=4 for the first job, then one
  });
});
