// The confinement rules on their own (container/src/confine): which tool calls may run in
// a workspace, decided on a real filesystem with symlinks in and out of it.
import { link, mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONFINED_TOOLS, checkToolCall } from "../../container/src/confine/policy.ts";
import type { Workspace } from "../../container/src/confine/policy.ts";
import { readRegularFile, writeRegularFile } from "../../container/src/confine/regular-files.ts";
import { resolvePhysical } from "../../container/src/confine/resolve.ts";
import { ENGINE_TOOLS } from "../../container/src/engine.ts";

let base: string;
let outside: string;
let ws: Workspace;
/** A workspace that holds a symlink leading out (Glob/Grep over it are refused). */
let linked: Workspace;

beforeAll(async () => {
  base = await realpath(await mkdtemp(path.join(tmpdir(), "confine-")));
  outside = path.join(base, "outside");
  await mkdir(path.join(outside, "dir"), { recursive: true });
  await writeFile(path.join(outside, "secret.txt"), "secret\n");
  const clean = path.join(base, "clean");
  await mkdir(path.join(clean, "src", "deep"), { recursive: true });
  await writeFile(path.join(clean, "src", "a.ts"), "export {}\n");
  // Links that stay inside are fine.
  await symlink("src/a.ts", path.join(clean, "alias.ts"));
  await symlink(path.join(clean, "src"), path.join(clean, "src-link"));
  ws = { cwd: clean, root: clean };

  const dirty = path.join(base, "dirty");
  await mkdir(path.join(dirty, "sub", "nested"), { recursive: true });
  await mkdir(path.join(dirty, "clean"));
  await writeFile(path.join(dirty, "ok.txt"), "ok\n");
  await symlink(path.join(outside, "secret.txt"), path.join(dirty, "link.txt"));
  await symlink(outside, path.join(dirty, "sub", "nested", "linkdir"));
  await symlink("../outside/new.txt", path.join(dirty, "dangling.txt"));
  // Lexically dirty/sub/nested/ok.txt; on disk linkdir/.. is base, so base/ok.txt.
  await symlink("sub/nested/linkdir/../ok.txt", path.join(dirty, "tricky.txt"));
  await symlink("loop-b", path.join(dirty, "loop-a"));
  await symlink("loop-a", path.join(dirty, "loop-b"));
  linked = { cwd: dirty, root: dirty };
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const allowed = async (name: string, input: Record<string, unknown>, where: Workspace = ws) => expect(await checkToolCall(name, input, where)).toBeNull();
const refused = async (name: string, input: Record<string, unknown>, where: Workspace = ws) => {
  const reason = await checkToolCall(name, input, where);
  expect(reason, `${name} ${JSON.stringify(input)} should be refused`).toEqual(expect.any(String));
  return reason ?? "";
};

describe("file paths (Read, Write, Edit, NotebookEdit)", () => {
  it("allows relative and absolute paths inside, existing or not, and links that stay inside", async () => {
    for (const name of ["Read", "Write", "Edit"]) {
      await allowed(name, { file_path: "src/a.ts" });
      await allowed(name, { file_path: path.join(ws.cwd, "src", "a.ts") });
      await allowed(name, { file_path: "new/dir/b.ts" });
      await allowed(name, { file_path: "alias.ts" });
      await allowed(name, { file_path: "src-link/deep/c.ts" });
    }
    await allowed("NotebookEdit", { notebook_path: "nb.ipynb", new_source: "x" });
  });

  it("refuses absolute paths outside, '..', '~', and paths the engine would read differently", async () => {
    const tries = [
      path.join(outside, "secret.txt"),
      "/etc/passwd",
      "/proc/self/environ",
      "/proc/self/cwd/src/a.ts",
      `/proc/self/root${ws.cwd}/src/a.ts`,
      "../outside/secret.txt",
      "src/../src/a.ts",
      "~/secret.txt",
      "~root/.bashrc",
      ` ${path.join(outside, "secret.txt")}`,
      `${path.join(outside, "secret.txt")}\t`,
      "src\\..\\..\\outside",
      "src/a.ts\u0000",
      "\u200b/etc/passwd",
    ];
    for (const name of ["Read", "Write", "Edit"]) for (const file of tries) await refused(name, { file_path: file });
    await refused("NotebookEdit", { notebook_path: path.join(outside, "x.ipynb") });
    await refused("Read", {});
    await refused("Read", { file_path: 42 });
  });

  it("follows symlinks: a link out, a dangling link out, a directory link out, a loop", async () => {
    expect(await refused("Read", { file_path: "link.txt" }, linked)).toMatch(/symlink/);
    expect(await refused("Write", { file_path: "dangling.txt" }, linked)).toMatch(/symlink/);
    await refused("Write", { file_path: "sub/nested/linkdir/new.txt" }, linked);
    await refused("Read", { file_path: path.join(linked.cwd, "sub/nested/linkdir/secret.txt") }, linked);
    await refused("Read", { file_path: "loop-a" }, linked);
    // `..` inside a link's target climbs from where the link leads, as the kernel does.
    await refused("Read", { file_path: "tricky.txt" }, linked);
    await allowed("Read", { file_path: "ok.txt" }, linked);
  });

  it("resolves like the kernel: a link's '..' climbs from its target", async () => {
    expect(await resolvePhysical(path.join(linked.cwd, "tricky.txt"))).toBe(path.join(base, "ok.txt"));
    expect(await resolvePhysical(path.join(linked.cwd, "dangling.txt"))).toBe(path.join(outside, "new.txt"));
    expect(await resolvePhysical(path.join(ws.cwd, "src-link", "x", "y"))).toBe(path.join(ws.cwd, "src", "x", "y"));
  });
});

describe("searches (Glob, Grep, LS)", () => {
  it("allows patterns and roots inside a workspace without links out", async () => {
    await allowed("Glob", { pattern: "**/*" });
    await allowed("Glob", { pattern: "**/*.ts", path: "src" });
    await allowed("Glob", { pattern: `${ws.cwd}/src/**/*.ts` });
    await allowed("Grep", { pattern: "export", path: "src", glob: "*.ts" });
    await allowed("Grep", { pattern: "export" });
    await allowed("LS", { path: ws.cwd });
  });

  it("refuses patterns that start elsewhere or climb, and roots outside", async () => {
    const patterns = ["/etc/*", "/**/*", "../*", "../../**/secret.txt", "{/etc/*,x}", "{..,x}/*", "src/{a,../../outside}/*", "~/*", "src\\*", " /etc/*", "@(/etc)/*"];
    for (const pattern of patterns) await refused("Glob", { pattern });
    await refused("Glob", { pattern: "**/*", path: "/" });
    await refused("Glob", { pattern: "*", path: outside });
    await refused("Grep", { pattern: "secret", path: "/" });
    await refused("Grep", { pattern: "secret", path: "../outside" });
    await refused("Grep", { pattern: "secret", glob: "../outside/*" });
    await refused("LS", { path: "/" });
    await refused("LS", { path: outside });
  });

  it("refuses a search over a tree that holds a symlink out, but not one beside it", async () => {
    expect(await refused("Glob", { pattern: "**/*" }, linked)).toMatch(/symlink/);
    await refused("Glob", { pattern: "**/*", path: "sub" }, linked);
    await refused("Glob", { pattern: "sub/nested/linkdir/*" }, linked);
    await refused("Grep", { pattern: "secret" }, linked);
    await refused("Grep", { pattern: "secret", path: "sub" }, linked);
    await allowed("Glob", { pattern: "**/*", path: "clean" }, linked);
    await allowed("Grep", { pattern: "x", path: "ok.txt" }, linked);
  });
});

describe("tools", () => {
  it("refuses every tool it cannot confine, and confines every tool the runner enables", async () => {
    for (const name of ["Bash", "WebFetch", "WebSearch", "Agent", "Task", "DeferredToolPlaceholder", "mcp__x__y", "toString", "__proto__"]) {
      expect(await refused(name, { command: "cat /etc/passwd", file_path: "src/a.ts" })).toMatch(/not available/);
    }
    for (const name of ENGINE_TOOLS) expect(CONFINED_TOOLS).toContain(name);
    expect(CONFINED_TOOLS).toContain("NotebookEdit");
  });
});

describe("snapshot files never follow a symlink (confine/regular-files.ts)", () => {
  it("reads regular files only", async () => {
    expect(await readRegularFile(path.join(ws.cwd, "src", "a.ts"))).toEqual(Buffer.from("export {}\n"));
    expect(await readRegularFile(path.join(linked.cwd, "link.txt"))).toBeNull();
    expect(await readRegularFile(path.join(linked.cwd, "dangling.txt"))).toBeNull();
    expect(await readRegularFile(path.join(linked.cwd, "sub"))).toBeNull();
  });

  it("writes through real directories only, and replaces a link or hard link instead of writing through it", async () => {
    const root = path.join(base, "import-root");
    await mkdir(root);
    await symlink(outside, path.join(root, "dirlink"));
    await symlink(path.join(outside, "secret.txt"), path.join(root, "filelink.txt"));
    await link(path.join(outside, "secret.txt"), path.join(root, "hardlink.txt"));
    const before = await readdir(outside);

    await expect(writeRegularFile(root, "dirlink/evil.txt", Buffer.from("evil"))).rejects.toThrow(/not a directory/);
    await writeRegularFile(root, "filelink.txt", Buffer.from("replaced\n"));
    await writeRegularFile(root, "hardlink.txt", Buffer.from("replaced\n"));
    await writeRegularFile(root, "a/b/c.txt", Buffer.from("fine\n"));

    expect(await readdir(outside)).toEqual(before);
    expect(await readFile(path.join(outside, "secret.txt"), "utf8")).toBe("secret\n");
    expect(await readRegularFile(path.join(root, "filelink.txt"))).toEqual(Buffer.from("replaced\n"));
    expect(await readRegularFile(path.join(root, "hardlink.txt"))).toEqual(Buffer.from("replaced\n"));
    expect(await readFile(path.join(root, "a/b/c.txt"), "utf8")).toBe("fine\n");
    expect((await readdir(root)).filter((name) => name.startsWith(".incoming-"))).toEqual([]);
  });
});
