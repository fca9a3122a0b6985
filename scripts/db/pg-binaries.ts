// Locates the Postgres server binaries (initdb, pg_ctl, postgres).
// Debian/Ubuntu install them under /usr/lib/postgresql/<major>/bin, which is not
// on PATH; PG_BIN_DIR overrides the search.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

export interface PgBinaries {
  dir: string;
  /** Major version when the directory name says it (Debian layout), else null. */
  version: number | null;
  initdb: string;
  pgCtl: string;
  postgres: string;
}

const DEBIAN_ROOT = "/usr/lib/postgresql";

function binariesIn(dir: string, version: number | null): PgBinaries | null {
  const b: PgBinaries = {
    dir,
    version,
    initdb: join(dir, "initdb"),
    pgCtl: join(dir, "pg_ctl"),
    postgres: join(dir, "postgres"),
  };
  return existsSync(b.initdb) && existsSync(b.pgCtl) && existsSync(b.postgres) ? b : null;
}

/** The highest installed version, or the PG_BIN_DIR override; null when none is found. */
export function findPgBinaries(env: NodeJS.ProcessEnv = process.env): PgBinaries | null {
  const override = env.PG_BIN_DIR;
  if (override !== undefined && override !== "") return binariesIn(override, null);
  let entries: string[];
  try {
    entries = readdirSync(DEBIAN_ROOT);
  } catch {
    return null;
  }
  const versions = entries
    .filter((name) => /^\d+(\.\d+)?$/.test(name))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  for (const name of versions) {
    const found = binariesIn(join(DEBIAN_ROOT, name, "bin"), Number.parseFloat(name));
    if (found !== null) return found;
  }
  return null;
}
