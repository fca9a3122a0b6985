import type { z } from "@hono/zod-openapi";
import type { Accepted as AcceptedView, SessionView } from "../domain/views.ts";
import { encodeCursor } from "./pagination.ts";
import type { Accepted, Session } from "./schemas.ts";

export function acceptedJson(a: AcceptedView): z.infer<typeof Accepted> {
  return { project: a.project, branch: a.branch, job: a.job, version: a.version, queue: { position: a.job.position } };
}

/** The chain as the API shows it: the history page's position becomes an opaque cursor. */
export function sessionJson(view: SessionView): z.infer<typeof Session> {
  const { historyNext, ...session } = view;
  return { ...session, nextCursor: encodeCursor("history", historyNext) };
}
