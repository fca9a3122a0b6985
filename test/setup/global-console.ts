// The console must exist before any test starts wrangler dev (its [assets] directory).
import { ensureConsoleBuilt } from "../../scripts/console/build.ts";

export default async function setup(): Promise<void> {
  await ensureConsoleBuilt();
}
