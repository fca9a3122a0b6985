// Per-operation rows (project_ai_session_metrics) of one version, read straight from the
// stack's Postgres: tool calls and files read are not part of the public API's views.
import pg from "pg";

export interface StepRow {
  operation: string;
  toolCalls: number;
  filesRead: number;
  numTurns: number;
  costUsd: number;
  durationMs: number;
  sessionIdIn: string | null;
  sessionIdOut: string | null;
}

export class MetricRows {
  readonly #client: pg.Client;

  private constructor(client: pg.Client) {
    this.#client = client;
  }

  static async connect(databaseUrl: string): Promise<MetricRows> {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    return new MetricRows(client);
  }

  async forVersion(versionId: string): Promise<StepRow[]> {
    const { rows } = await this.#client.query<{
      operation: string; tool_calls: number; files_read: number; num_turns: number; cost_usd: string; duration_ms: number; session_id_in: string | null; session_id_out: string | null;
    }>(
      `select operation, tool_calls, files_read, num_turns, cost_usd, duration_ms, session_id_in, session_id_out
       from project_ai_session_metrics where version_id = $1 order by id`,
      [versionId],
    );
    return rows.map((r) => ({
      operation: r.operation,
      toolCalls: r.tool_calls,
      filesRead: r.files_read,
      numTurns: r.num_turns,
      costUsd: Number(r.cost_usd),
      durationMs: r.duration_ms,
      sessionIdIn: r.session_id_in,
      sessionIdOut: r.session_id_out,
    }));
  }

  close(): Promise<void> {
    return this.#client.end();
  }
}
