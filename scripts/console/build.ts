// Builds the web console (console/) with Vite into console/dist, which wrangler.toml's
// [assets] serves from the same Worker. Used by `npm run build`, `npm run dev` (watching, first build included),
// the test setup and the stack (only when the sources are newer than the last build).
import { existsSync } from "node:fs";
import { readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";
import type { InlineConfig } from "vite";

export const CONSOLE_DIR = fileURLToPath(new URL("../../console", import.meta.url));
export const CONSOLE_DIST = join(CONSOLE_DIR, "dist");

function config(outDir: string, watch: boolean): InlineConfig {
  return {
    root: CONSOLE_DIR,
    configFile: false,
    logLevel: "warn",
    clearScreen: false,
    // Preact's automatic JSX runtime (no React, no plugin needed).
    oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
    build: {
      outDir,
      emptyOutDir: true,
      target: "es2022",
      sourcemap: false,
      reportCompressedSize: false,
      ...(watch ? { watch: {} } : {}),
    },
  };
}

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (path.startsWith(CONSOLE_DIST)) continue;
    newest = Math.max(newest, (await stat(path)).mtimeMs);
  }
  return newest;
}

/** True when console/dist exists and is newer than every console source file. */
export async function consoleIsBuilt(): Promise<boolean> {
  const index = join(CONSOLE_DIST, "index.html");
  if (!existsSync(index)) return false;
  return (await stat(index)).mtimeMs >= (await newestMtime(CONSOLE_DIR));
}

/** One production build, written beside dist and swapped in, so a running server never sees half of it. */
export async function buildConsole(): Promise<void> {
  const staging = `${CONSOLE_DIST}.${process.pid}.tmp`;
  await build(config(staging, false));
  await rm(CONSOLE_DIST, { recursive: true, force: true });
  await rename(staging, CONSOLE_DIST);
}

// One check-and-build per process at a time: two stacks starting together (the benchmark's
// modes) would otherwise build into the same staging path and swap it in twice.
let ensuring: Promise<void> | null = null;

export function ensureConsoleBuilt(): Promise<void> {
  ensuring ??= (async () => {
    if (!(await consoleIsBuilt())) await buildConsole();
  })().finally(() => {
    ensuring = null;
  });
  return ensuring;
}

/**
 * `npm run dev`: rebuilds on every change to console/ (wrangler dev serves the new files).
 * Resolves once the watcher's first build is written: started before wrangler, that build
 * cannot make wrangler reload (an alarm running in a reload dies with it).
 */
export async function watchConsole(): Promise<{ close(): Promise<void> }> {
  let built = (): void => undefined;
  let failed = (_err: Error): void => undefined;
  const firstBuild = new Promise<void>((resolve, reject) => {
    built = resolve;
    failed = reject;
  });
  // A plugin hook, not the watcher's events: it cannot fire before anyone listens.
  const watcher = await build({
    ...config(CONSOLE_DIST, true),
    plugins: [{
      name: "session-chain:first-build",
      writeBundle: () => built(),
      buildEnd: (err?: Error) => (err === undefined ? undefined : failed(err)),
    }],
  });
  if (!("close" in watcher)) throw new Error("vite did not return a watcher");
  await firstBuild;
  return { close: () => watcher.close() };
}
