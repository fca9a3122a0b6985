// A job's live state in a component: its events as they stream in, the step it is on,
// and the connection's status. Reconnects are handled by followJob.
import { useEffect, useRef, useState } from "preact/hooks";
import type { JobEvent, StreamStatus } from "./job-stream.ts";
import { followJob } from "./job-stream.ts";

export interface LiveJob {
  jobId: string | null;
  events: JobEvent[];
  status: StreamStatus | "idle";
  detail: string | null;
  /** The step running now (from step_started until step_finished), with the session it resumed. */
  step: { name: string; sessionIdIn: string | null } | null;
  outcome: "succeeded" | "failed" | null;
}

const MAX_EVENTS = 500;

export function useLiveJob(projectId: string, jobId: string | null, token: string, onEvent: (event: JobEvent) => void, onUnauthorized: () => void): LiveJob {
  const [state, setState] = useState<LiveJob>({ jobId, events: [], status: "idle", detail: null, step: null, outcome: null });
  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;
  const onUnauthorizedRef = useRef(onUnauthorized);
  onUnauthorizedRef.current = onUnauthorized;

  useEffect(() => {
    setState({ jobId, events: [], status: jobId === null ? "idle" : "connecting", detail: null, step: null, outcome: null });
    if (jobId === null) return;
    const controller = new AbortController();
    void followJob({
      url: `/v1/projects/${projectId}/jobs/${jobId}/events`,
      token,
      signal: controller.signal,
      onUnauthorized: () => onUnauthorizedRef.current(),
      onStatus: (status, detail) => { if (!controller.signal.aborted) setState((s) => ({ ...s, status, detail: detail ?? null })); },
      onEvent: (event) => {
        if (controller.signal.aborted) return;
        setState((s) => {
          let step = s.step;
          if (event.type === "step_started") step = { name: String(event.data["step"] ?? ""), sessionIdIn: typeof event.data["resumeSessionId"] === "string" ? event.data["resumeSessionId"] : null };
          if (event.type === "step_finished" || event.type === "succeeded" || event.type === "failed") step = null;
          const outcome = event.type === "succeeded" || event.type === "failed" ? event.type : s.outcome;
          return { ...s, events: [...s.events, event].slice(-MAX_EVENTS), step, outcome };
        });
        onEventRef.current(event);
      },
    });
    return () => controller.abort();
  }, [projectId, jobId, token]);
  return state;
}
