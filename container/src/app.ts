// Shared state of one runner instance and the route shape the server dispatches on.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RunnerConfig } from "./config.ts";
import { HttpError } from "./errors.ts";
import type { ProjectLocks } from "./locks.ts";
import type { ModelProxy } from "./model-proxy/server.ts";
import { projectPaths } from "./paths.ts";
import type { ProjectPaths } from "./paths.ts";
import { SessionId, WorkspaceId } from "./protocol.ts";
import type { RunRegistry } from "./runs/registry.ts";
import type { BlobLocations } from "./tree.ts";

export interface AppState {
  config: RunnerConfig;
  locks: ProjectLocks;
  /** The engines' only way to the model API. */
  modelProxy: ModelProxy;
  runs: RunRegistry;
  /** Per workspace: where each blob of its last listed tree is on disk. */
  blobs: BlobLocations;
  /** Aborted on shutdown so in-flight engine processes stop. */
  shutdown: AbortSignal;
  log: (line: string) => void;
}

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  app: AppState;
}

export interface Route {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Named groups become params. */
  pattern: RegExp;
  handle: (ctx: RouteContext) => Promise<void>;
}

export function workspaceParam(ctx: RouteContext): { workspaceId: string; paths: ProjectPaths } {
  const parsed = WorkspaceId.safeParse(ctx.params.workspaceId);
  if (!parsed.success) throw new HttpError(400, "bad_request", "invalid workspaceId");
  return { workspaceId: parsed.data, paths: projectPaths(ctx.app.config.dataDir, parsed.data) };
}

export function sessionParam(ctx: RouteContext): string {
  const parsed = SessionId.safeParse(ctx.params.sessionId);
  if (!parsed.success) throw new HttpError(400, "bad_request", "invalid sessionId");
  return parsed.data;
}

/** Runs `fn` holding the workspace's lock, or answers 409 busy. */
export async function withWorkspaceLock<T>(ctx: RouteContext, workspaceId: string, holder: string, fn: () => Promise<T>): Promise<T> {
  const release = ctx.app.locks.tryAcquire(workspaceId, holder);
  if (release === null) throw new HttpError(409, "busy", `workspace ${workspaceId} has a run in progress`);
  try {
    return await fn();
  } finally {
    release();
  }
}
