// A session forked without a model call: the parent transcript copied under a new session
// id, as Claude Code's own `forkSession` does (measured on 2.1.330: a fork rewrites the
// `sessionId` of every copied line and leaves the parent untouched). Restores and branches
// use it: the new version's session is its source version's session, continued under an id
// of its own, at no model cost. A transcript records the workspace's absolute path (every
// line's `cwd`, every tool call's file path), so a fork into another workspace rewrites that
// path too — else the engine would work on, and the confinement hook refuse, the old one.

/** Every `cwd` the transcript's lines record. */
export function recordedCwds(text: string): Set<string> {
  const found = new Set<string>();
  for (const line of text.split("\n")) {
    if (!line.includes('"cwd":')) continue;
    try {
      const value: unknown = JSON.parse(line);
      if (typeof value === "object" && value !== null && "cwd" in value && typeof value.cwd === "string") found.add(value.cwd);
    } catch {
      // a truncated last line: the engine skips it, and so does this
    }
  }
  return found;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** `from` → `to` wherever `from` is a whole path (not the start of a longer name), JSON-escaped as the lines hold it. */
function replacePath(line: string, from: string, to: string): string {
  const needle = JSON.stringify(from).slice(1, -1);
  const target = JSON.stringify(to).slice(1, -1);
  if (!line.includes(needle)) return line;
  return line.replace(new RegExp(`${escapeRegExp(needle)}(?![A-Za-z0-9_.-])`, "g"), () => target);
}

/**
 * The transcript of `sessionId` as the transcript of `newSessionId` in the workspace at
 * `cwd`: session ids rewritten on every line that names one, recorded workspace paths
 * moved to `cwd`.
 */
export function forkTranscript(text: string, sessionId: string, newSessionId: string, cwd: string): string {
  const moved = [...recordedCwds(text)].filter((old) => old !== cwd);
  const own = `"sessionId":${JSON.stringify(sessionId)}`;
  const renamed = `"sessionId":${JSON.stringify(newSessionId)}`;
  return text
    .split("\n")
    .map((line) => {
      let out = line.split(own).join(renamed);
      for (const old of moved) out = replacePath(out, old, cwd);
      return out;
    })
    .join("\n");
}
