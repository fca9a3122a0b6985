// Real Postgres for tests and `npm run dev`: initdb into a temporary directory
// (or a persistent one), start it on 127.0.0.1 with SCRAM password auth so that
// the Neon driver (through scripts/db/ws-proxy.ts) and `pg` both log in the way
// they do on Neon. Postgres refuses to run as root: as root every server
// command runs as the `postgres` user through `runuser`.
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { findPgBinaries } from "./pg-binaries.ts";
import type { PgBinaries } from "./pg-binaries.ts";

const execFileAsync = promisify(execFile);

export const LOCAL_PG_USER = "postgres";
export const LOCAL_PG_PASSWORD = "postgres";
export const LOCAL_PG_DATABASE = "session_chain";

export interface StartPostgresOptions {
  /** TCP port on 127.0.0.1; a free one when omitted. */
  port?: number;
  /** Keep the cluster here across runs (initdb only when empty); a temporary directory, removed by stop(), when omitted. */
  dataDir?: string;
  /** Database created (if missing) and named in `url`. Default `session_chain`. */
  database?: string;
  binaries?: PgBinaries;
  /**
   * pg_hba method for TCP connections. "scram-sha-256" (default) is what the
   * Neon driver must handle against ordinary Postgres; its pure-JS PBKDF2
   * costs per new connection ~0.35 s under Node and ~50 ms in workerd once
   * warm (the first one ~1.5 s). "password" (cleartext,
   * loopback only) is fast and is what Neon's own proxy takes in production
   * (pipelineConnect "password").
   */
  auth?: PgAuthMethod;
}

export type PgAuthMethod = "scram-sha-256" | "password";

export interface RunningPostgres {
  kind: "postgres";
  /** postgres://postgres:postgres@127.0.0.1:PORT/session_chain */
  url: string;
  host: "127.0.0.1";
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolvePort(port) : reject(new Error("no port assigned"))));
    });
  });
}

function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

function postgresUserIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync("id", ["-u", LOCAL_PG_USER], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", LOCAL_PG_USER], { encoding: "utf8" }).trim());
  return { uid, gid };
}

/** argv for running a server binary, through runuser when we are root. */
function asServerUser(command: string, args: string[]): [string, string[]] {
  return isRoot() ? ["runuser", ["-u", LOCAL_PG_USER, "--", command, ...args]] : [command, args];
}

async function run(command: string, args: string[], cwd: string): Promise<void> {
  const [file, argv] = asServerUser(command, args);
  try {
    await execFileAsync(file, argv, { cwd, env: { ...process.env, LC_ALL: "C" } });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${command} failed: ${e.stderr ?? ""}${e.stdout ?? ""}`.trim() || e.message, {
      cause: error,
    });
  }
}

function logTail(logFile: string): string {
  try {
    return readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n");
  } catch {
    return "";
  }
}

async function createDatabaseIfMissing(port: number, database: string): Promise<void> {
  const client = new pg.Client({
    host: "127.0.0.1",
    port,
    user: LOCAL_PG_USER,
    password: LOCAL_PG_PASSWORD,
    database: "postgres",
  });
  await client.connect();
  try {
    const found = await client.query("select 1 from pg_database where datname = $1", [database]);
    if (found.rowCount === 0) {
      await client.query(`create database "${database.replaceAll('"', '""')}"`);
    }
  } finally {
    await client.end();
  }
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<RunningPostgres> {
  const bins = options.binaries ?? findPgBinaries();
  if (bins === null) {
    throw new Error("Postgres server binaries not found (install postgresql or set PG_BIN_DIR)");
  }
  const database = options.database ?? LOCAL_PG_DATABASE;
  const temporary = options.dataDir === undefined;
  const baseDir =
    options.dataDir === undefined
      ? mkdtempSync(join(tmpdir(), "session-chain-pg-"))
      : resolve(options.dataDir);
  mkdirSync(baseDir, { recursive: true });
  const pgData = join(baseDir, "data");
  const logFile = join(baseDir, "postgres.log");
  const ids = isRoot() ? postgresUserIds() : null;
  if (ids !== null) chownSync(baseDir, ids.uid, ids.gid);

  try {
    if (!existsSync(join(pgData, "PG_VERSION"))) {
      const pwFile = join(baseDir, "pwfile");
      writeFileSync(pwFile, `${LOCAL_PG_PASSWORD}\n`, { mode: 0o600 });
      if (ids !== null) chownSync(pwFile, ids.uid, ids.gid);
      try {
        await run(
          bins.initdb,
          [
            "-D", pgData,
            "-U", LOCAL_PG_USER,
            `--pwfile=${pwFile}`,
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
          ],
          baseDir,
        );
      } finally {
        rmSync(pwFile, { force: true });
      }
    }

    const auth = options.auth ?? "scram-sha-256";
    const hbaFile = join(pgData, "pg_hba.conf");
    writeFileSync(
      hbaFile,
      [
        "# written by scripts/db/postgres.ts on every start",
        "local all all scram-sha-256",
        `host all all 127.0.0.1/32 ${auth}`,
        `host all all ::1/128 ${auth}`,
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
    if (ids !== null) chownSync(hbaFile, ids.uid, ids.gid);

    if (!temporary) {
      // A persistent cluster left running by a killed dev server: stop it first.
      const [file, argv] = asServerUser(bins.pgCtl, ["-D", pgData, "status"]);
      if (spawnSync(file, argv, { cwd: baseDir, stdio: "ignore" }).status === 0) {
        await run(bins.pgCtl, ["-D", pgData, "-m", "fast", "-w", "stop"], baseDir);
      }
    }

    let port = options.port ?? (await freePort());
    for (let attempt = 1; ; attempt++) {
      const serverOptions = [
        "-c listen_addresses=127.0.0.1",
        `-p ${port}`,
        `-c unix_socket_directories=${baseDir}`,
        "-c fsync=off",
        "-c synchronous_commit=off",
        "-c full_page_writes=off",
      ].join(" ");
      try {
        await run(bins.pgCtl, ["-D", pgData, "-l", logFile, "-w", "-t", "30", "-o", serverOptions, "start"], baseDir);
        break;
      } catch (error) {
        // Another process may have taken the port between freePort() and bind().
        if (options.port !== undefined || attempt >= 3) {
          throw new Error(`${(error as Error).message}\n--- postgres.log ---\n${logTail(logFile)}`, { cause: error });
        }
        port = await freePort();
      }
    }

    let stopped = false;
    const stopSync = (): void => {
      if (stopped) return;
      stopped = true;
      const [file, argv] = asServerUser(bins.pgCtl, ["-D", pgData, "-m", "immediate", "-w", "stop"]);
      spawnSync(file, argv, { cwd: baseDir, stdio: "ignore" });
      if (temporary) rmSync(baseDir, { recursive: true, force: true });
    };
    // A crashed or interrupted test run must not leave a server behind.
    process.once("exit", stopSync);

    try {
      await createDatabaseIfMissing(port, database);
    } catch (error) {
      process.removeListener("exit", stopSync);
      stopSync();
      throw error;
    }

    return {
      kind: "postgres",
      url: `postgres://${LOCAL_PG_USER}:${LOCAL_PG_PASSWORD}@127.0.0.1:${port}/${database}`,
      host: "127.0.0.1",
      port,
      dataDir: baseDir,
      async stop() {
        if (stopped) return;
        stopped = true;
        process.removeListener("exit", stopSync);
        try {
          await run(bins.pgCtl, ["-D", pgData, "-m", "fast", "-w", "stop"], baseDir);
        } finally {
          if (temporary) rmSync(baseDir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    if (temporary) rmSync(baseDir, { recursive: true, force: true });
    throw error;
  }
}
