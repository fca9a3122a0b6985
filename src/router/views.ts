import type { z } from "@hono/zod-openapi";
import type { Accepted as AcceptedView } from "../domain/views.ts";
import type { Accepted } from "./schemas.ts";

export function acceptedJson(a: AcceptedView): z.infer<typeof Accepted> {
  return { project: a.project, job: a.job, version: a.version, queue: { position: a.job.position } };
}
