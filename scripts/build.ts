// `npm run build`: the production bundle: the console (Vite) and the Worker with its
// static assets (wrangler deploy --dry-run, no Docker needed), then their gzip sizes.
import { spawnSync } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { buildConsole, CONSOLE_DIST } from "./console/build.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT = join(ROOT, "dist");
const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");

async function sizes(dir: string, pattern: RegExp): Promise<{ raw: number; gzip: number; files: number }> {
  const total = { raw: 0, gzip: 0, files: 0 };
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !pattern.test(entry.name)) continue;
    const bytes = await readFile(join(entry.parentPath, entry.name));
    total.raw += bytes.length;
    total.gzip += gzipSync(bytes, { level: 9 }).length;
    total.files += 1;
  }
  return total;
}

const kb = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;

await buildConsole();
const deploy = spawnSync(process.execPath, [WRANGLER, "deploy", "--dry-run", "--containers-rollout=none", "--outdir", OUT], {
  cwd: ROOT,
  stdio: "inherit",
  env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_UPDATE_NOTIFIER: "1" },
});
if (deploy.status !== 0) process.exit(deploy.status ?? 1);

const worker = await sizes(OUT, /\.(js|mjs)$/);
const assets = await sizes(CONSOLE_DIST, /\.(html|js|css|svg)$/);
process.stdout.write(`
bundle sizes (gzip -9)
  worker   ${kb(worker.gzip).padStart(10)}  (${kb(worker.raw)} raw, ${worker.files} file${worker.files === 1 ? "" : "s"} in dist/)
  console  ${kb(assets.gzip).padStart(10)}  (${kb(assets.raw)} raw, ${assets.files} files in console/dist/)
  total    ${kb(worker.gzip + assets.gzip).padStart(10)}
`);
