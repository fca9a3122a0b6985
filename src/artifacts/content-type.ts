// The Content-Type a project file is served with, from its name: the version file route
// serves an app's own code, so text is marked as UTF-8 and anything unknown is bytes.

const BY_EXTENSION: Record<string, string> = {
  html: "text/html", htm: "text/html", css: "text/css", js: "text/javascript", mjs: "text/javascript", cjs: "text/javascript",
  json: "application/json", map: "application/json", md: "text/markdown", markdown: "text/markdown", txt: "text/plain",
  csv: "text/csv", xml: "application/xml", svg: "image/svg+xml", png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg",
  gif: "image/gif", webp: "image/webp", avif: "image/avif", ico: "image/x-icon", pdf: "application/pdf", wasm: "application/wasm",
  woff: "font/woff", woff2: "font/woff2", ttf: "font/ttf", otf: "font/otf", mp3: "audio/mpeg", mp4: "video/mp4", zip: "application/zip",
};

/** Source and config files a browser has no type for: shown as plain text. */
const PLAIN_TEXT = new Set([
  "ts", "tsx", "jsx", "mts", "cts", "py", "rb", "go", "rs", "java", "kt", "swift", "c", "h", "cc", "cpp", "hpp", "cs", "php",
  "sh", "bash", "zsh", "sql", "yml", "yaml", "toml", "ini", "env", "lock", "gitignore", "dockerignore", "vue", "svelte", "astro",
  "scss", "sass", "less", "graphql", "gql", "prisma", "log", "conf", "cfg", "mdx", "rst", "tex",
]);

export function contentTypeOf(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1).toLowerCase();
  const dot = name.lastIndexOf(".");
  const extension = dot < 0 ? (name === "dockerfile" || name === "makefile" || name === "license" ? "txt" : "") : name.slice(dot + 1);
  const type = BY_EXTENSION[extension] ?? (PLAIN_TEXT.has(extension) ? "text/plain" : "application/octet-stream");
  return type.startsWith("text/") || type === "application/json" || type === "application/xml" || type === "image/svg+xml" ? `${type}; charset=utf-8` : type;
}
