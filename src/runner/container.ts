import { Container } from "@cloudflare/containers";

// Production home of the runner: one container per runner slot (RunnerPool), serving the
// projects whose jobs hold that slot; each project's workspace and transcripts live in its
// own directory on the container disk, which R2 backs up. The runner listens on 8080.
export class RunnerContainer extends Container<Env> {
  override defaultPort = 8080;
  // A slot's container sleeps when idle; its disk is then wiped, and the DO
  // rehydrates the transcript and workspace from R2 on the next update.
  override sleepAfter = "15m";
  // Field initialisers run after the base constructor has set this.env. The key stays in
  // the runner process: its model proxy adds it to the engines' calls, and each engine gets
  // only a per-run token (docs/runner-protocol.md, "What the container holds").
  override envVars = {
    PORT: "8080",
    RUNNER_DATA_DIR: "/data",
    RUNNER_TOKEN: this.env.RUNNER_TOKEN,
    ANTHROPIC_API_KEY: this.env.ANTHROPIC_API_KEY,
  };
}
