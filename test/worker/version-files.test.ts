import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, fake, newUser, postUpdate, readyProject, token, waitForJob } from "./helpers.ts";

async function raw(user: string, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(new Request(`http://api.test${path}`, { headers: { authorization: `Bearer ${await token(user)}`, ...headers } }));
}

describe("a version's files, from R2", () => {
  it("lists, serves (ETag = sha256, 304 on a match) and diffs versions without asking the runner", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    await fake(projectId, "files", { files: { "src/build-1.txt": "build a todo app", "index.html": "<h1>a</h1>\nline 2\n", "logo.bin": "\u0000\u0001" } });
    expect((await waitForJob(user, projectId, (await postUpdate(user, projectId, "update two")).jobId)).status).toBe("succeeded");
    await fake(projectId, "files", { files: { "src/build-1.txt": "build a todo app", "index.html": "<h1>b</h1>\nline 2\n", "src/update-1.txt": "update two", "logo.bin": "\u0000\u0002" } });
    expect((await waitForJob(user, projectId, (await postUpdate(user, projectId, "update three")).jobId)).status).toBe("succeeded");
    await fake(projectId, "wipe", {}); // nothing below may come from the runner

    const list = await api("GET", `/v1/projects/${projectId}/versions/3/files`, { user });
    expect(list.status).toBe(200);
    const files = list.body["files"] as { path: string; size: number; sha256: string }[];
    const html = files.find((f) => f.path === "index.html");
    expect(html?.size).toBe(18);

    const res = await raw(user, `/v1/projects/${projectId}/versions/3/files/index.html`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("etag")).toBe(`"${html?.sha256}"`);
    expect(await res.text()).toBe("<h1>b</h1>\nline 2\n");
    expect((await raw(user, `/v1/projects/${projectId}/versions/3/files/index.html`, { "if-none-match": `"${html?.sha256}"` })).status).toBe(304);
    const nested = await raw(user, `/v1/projects/${projectId}/versions/3/files/src/update-1.txt`);
    expect(await nested.text()).toBe("update two");
    expect((await raw(user, `/v1/projects/${projectId}/versions/3/files/nope.txt`)).status).toBe(404);
    const badEscape = await raw(user, `/v1/projects/${projectId}/versions/3/files/%ZZ`);
    expect(badEscape.status).toBe(400);
    expect(await badEscape.json()).toMatchObject({ error: { code: "bad_request" } });
    expect((await raw(user, `/v1/projects/${projectId}/versions/3/files/src%2Fupdate-1.txt`)).status).toBe(200);

    const diff = await api("GET", `/v1/projects/${projectId}/versions/3/diff?from=2`, { user });
    expect(diff.status).toBe(200);
    const changes = diff.body["changes"] as { path: string; status: string; diff: string | null; diffOmitted: string | null }[];
    expect(changes.map((c) => `${c.path}:${c.status}`)).toEqual(["index.html:modified", "logo.bin:modified", "src/update-2.txt:added"]);
    expect(changes.find((c) => c.path === "index.html")?.diff).toBe("--- v2/index.html\n+++ v3/index.html\n@@ -1,2 +1,2 @@\n-<h1>a</h1>\n+<h1>b</h1>\n line 2\n");
    expect(changes.find((c) => c.path === "logo.bin")).toMatchObject({ diff: null, diffOmitted: "binary" });
    expect(changes.find((c) => c.path === "src/update-2.txt")?.diff).toBe("--- /dev/null\n+++ v3/src/update-2.txt\n@@ -0,0 +1,1 @@\n+update three\n\\ No newline at end of file\n");
  });

  it("says a rewrite is too large to diff (200, diffOmitted) instead of spending the isolate on it", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    const text = (tag: string): string => Array.from({ length: 6000 }, (_, i) => `${tag} ${i}`).join("\n");
    await fake(projectId, "files", { files: { "big.txt": text("old"), "small.txt": "a\n" } });
    expect((await waitForJob(user, projectId, (await postUpdate(user, projectId, "update two")).jobId)).status).toBe("succeeded");
    await fake(projectId, "files", { files: { "big.txt": text("new"), "small.txt": "b\n" } });
    expect((await waitForJob(user, projectId, (await postUpdate(user, projectId, "update three")).jobId)).status).toBe("succeeded");
    const diff = await api("GET", `/v1/projects/${projectId}/versions/3/diff?from=2`, { user });
    expect(diff.status).toBe(200);
    const changes = diff.body["changes"] as { path: string; diff: string | null; diffOmitted: string | null }[];
    expect(changes.find((c) => c.path === "big.txt")).toMatchObject({ diff: null, diffOmitted: "too_many_changes" });
    expect(changes.find((c) => c.path === "small.txt")?.diff).toContain("-a\n+b\n");
  });

  it("refuses versions that left no files: 404 unknown, 409 failed, 400 bad from; strangers get 404", async () => {
    const user = newUser();
    const { projectId } = await readyProject(user);
    await fake(projectId, "failures", { failures: [{ operation: "update", code: "internal", retryable: false }] });
    expect((await waitForJob(user, projectId, (await postUpdate(user, projectId, "fails")).jobId)).status).toBe("failed");
    expect((await api("GET", `/v1/projects/${projectId}/versions/7/files`, { user })).status).toBe(404);
    expect((await api("GET", `/v1/projects/${projectId}/versions/2/files`, { user })).status).toBe(409);
    expect((await api("GET", `/v1/projects/${projectId}/versions/1/diff?from=x`, { user })).status).toBe(400);
    expect((await api("GET", `/v1/projects/${projectId}/versions/1/files`, { user: newUser() })).status).toBe(404);
  });
});
