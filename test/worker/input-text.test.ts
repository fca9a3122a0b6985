import { describe, expect, it } from "vitest";
import { api, createProject, newUser, postUpdate, waitForJob } from "./helpers.ts";

// Postgres refuses NUL in text and jsonb: such a value must never get past the API, or
// the outbox carries a row Postgres can never take.
describe("stored strings are free of control characters (400 naming the field)", () => {
  const bad = (res: { status: number; body: Record<string, unknown> }): string => {
    expect(res.status).toBe(400);
    const error = res.body["error"] as { code: string; message: string };
    expect(error.code).toBe("bad_request");
    return error.message;
  };

  it("a project name with NUL, a line break, DEL or a C1 control is refused", async () => {
    const user = newUser();
    expect(bad(await api("POST", "/v1/projects", { user, body: { name: "a\u0000b", prompt: "build" } }))).toMatch(/^name must not contain control character U\+0000, found at index 1/);
    expect(bad(await api("POST", "/v1/projects", { user, body: { name: "two\nlines", prompt: "build" } }))).toMatch(/name must not contain control character U\+000A/);
    expect(bad(await api("POST", "/v1/projects", { user, body: { name: "del\u007f", prompt: "build" } }))).toMatch(/U\+007F/);
    expect(bad(await api("POST", "/v1/projects", { user, body: { name: "nel\u0085", prompt: "build" } }))).toMatch(/U\+0085/);
  });

  it("a prompt with NUL or an unpaired surrogate is refused on create, update and the legacy route", async () => {
    const user = newUser();
    expect(bad(await api("POST", "/v1/projects", { user, body: { name: "demo", prompt: "build\u0000 it" } }))).toMatch(/^prompt must not contain control character U\+0000, found at index 5/);
    // JSON can carry a lone surrogate ("\ud800"); it has no UTF-8 form.
    expect(bad(await api("POST", "/v1/projects", { user, raw: '{"name":"demo","prompt":"half \\ud800 a pair"}' }))).toMatch(/prompt must not contain an unpaired surrogate/);
    const { projectId, jobId } = await createProject(user);
    expect(bad(await api("POST", `/v1/projects/${projectId}/updates`, { user, body: { prompt: "x\u0000" } }))).toMatch(/^prompt must not contain/);
    expect(bad(await api("POST", "/update-project", { user, body: { projectId, prompt: "\u0001x" } }))).toMatch(/^prompt must not contain control character U\+0001/);
    await waitForJob(user, projectId, jobId);
    // Nothing was queued by the refused requests: the next version is 2.
    const ok = await postUpdate(user, projectId, "line one\n\tline two\r\n");
    expect(ok.versionNumber).toBe(2);
    expect((await waitForJob(user, projectId, ok.jobId)).status).toBe("succeeded");
  });

  it("prompts keep line breaks and tabs; names keep ordinary Unicode", async () => {
    const user = newUser();
    const res = await api("POST", "/v1/projects", { user, body: { name: "Café ☕ 東京", prompt: "create a.md with\n\t# Title\r\n" } });
    expect(res.status).toBe(202);
  });
});
