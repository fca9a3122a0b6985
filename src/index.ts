import { app } from "./router/app.ts";

export { ProjectDO } from "./do/project-do.ts";
export { RunnerContainer } from "./runner/container.ts";

export default app;
