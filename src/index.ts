import { app } from "./router/app.ts";

export { ProjectDO } from "./do/project-do.ts";
export { RunnerContainer } from "./runner/container.ts";
export { RunnerPool } from "./runner/pool.ts";
export { StreamLimiter } from "./streams/limiter.ts";

export default app;
