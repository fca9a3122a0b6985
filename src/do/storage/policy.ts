import type { JobFacts } from "../../policy/predict.ts";
import { initialProfile } from "../../policy/profile.ts";
import { MAX_GAPS } from "../../policy/ttl.ts";
import type { CacheTtl, PolicyPlan, PrefixState, ProjectProfile } from "../../policy/types.ts";
import type { StepObservation } from "../../policy/learn.ts";

interface StateRow extends Record<string, SqlStorageValue> {
  profile: string | null;
  prefix: string | null;
  gaps: string;
  last_step_at: number | null;
}

interface JobRow extends Record<string, SqlStorageValue> {
  plan: string;
  facts: string;
  cache_ttl: string | null;
  steps: string;
  fell_back: number;
}

/** The observed steps a job's prediction covers, by their role in it. */
export interface PolicySteps {
  compaction?: StepObservation;
  main?: StepObservation;
  metadata?: StepObservation;
  workspaceBytes?: number | null;
  fileCount?: number;
}

export interface PolicyJob {
  plan: PolicyPlan;
  facts: JobFacts;
  cacheTtl: CacheTtl | null;
  steps: PolicySteps;
  /** The chosen path did not run as planned (a resume fell back to a new session). */
  fellBack: boolean;
}

// What the resume policy keeps in the project's DO: the head's prefix in the prompt cache
// (written at every step), the project's learned profile, its recent pauses, and each
// job's plan with what its steps cost (for learning and the audit).
export class PolicyStore {
  private readonly sql: SqlStorage;
  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  private state(): StateRow {
    return this.sql.exec<StateRow>("SELECT * FROM policy_state WHERE id = 1").one();
  }

  profile(): ProjectProfile {
    const raw = this.state().profile;
    // A profile saved before a field existed (the request's work) starts that field from the prior.
    return raw === null ? initialProfile() : { ...initialProfile(), ...(JSON.parse(raw) as Partial<ProjectProfile>) };
  }

  saveProfile(profile: ProjectProfile): void {
    this.sql.exec("UPDATE policy_state SET profile = ? WHERE id = 1", JSON.stringify(profile));
  }

  prefix(): PrefixState | null {
    const raw = this.state().prefix;
    return raw === null ? null : (JSON.parse(raw) as PrefixState);
  }

  /** Every step moves it: the head's prompt, when it was written or read, with which TTL. */
  notePrefix(prefix: PrefixState): void {
    this.sql.exec("UPDATE policy_state SET prefix = ?, last_step_at = ? WHERE id = 1", JSON.stringify(prefix), prefix.usedAt);
  }

  lastStepAt(): number | null {
    return this.state().last_step_at;
  }

  gaps(): number[] {
    return JSON.parse(this.state().gaps) as number[];
  }

  addGap(ms: number): void {
    const gaps = [...this.gaps(), Math.max(0, Math.round(ms))].slice(-MAX_GAPS);
    this.sql.exec("UPDATE policy_state SET gaps = ? WHERE id = 1", JSON.stringify(gaps));
  }

  job(jobId: string): PolicyJob | null {
    const row = this.sql.exec<JobRow>("SELECT * FROM policy_jobs WHERE job_id = ?", jobId).toArray()[0];
    if (row === undefined) return null;
    return {
      plan: JSON.parse(row.plan) as PolicyPlan,
      facts: JSON.parse(row.facts) as JobFacts,
      cacheTtl: row.cache_ttl === "1h" || row.cache_ttl === "5m" ? row.cache_ttl : null,
      steps: JSON.parse(row.steps) as PolicySteps,
      fellBack: row.fell_back === 1,
    };
  }

  /** Persisted before the job acts on it; a job re-planned after an interruption replaces it. */
  savePlan(jobId: string, plan: PolicyPlan, facts: JobFacts): void {
    this.sql.exec(
      `INSERT INTO policy_jobs (job_id, plan, facts) VALUES (?, ?, ?)
       ON CONFLICT(job_id) DO UPDATE SET plan = excluded.plan, facts = excluded.facts, steps = '{}', fell_back = 0, cache_ttl = NULL`,
      jobId, JSON.stringify(plan), JSON.stringify(facts),
    );
  }

  setCacheTtl(jobId: string, ttl: CacheTtl): void {
    this.sql.exec("UPDATE policy_jobs SET cache_ttl = ? WHERE job_id = ?", ttl, jobId);
  }

  recordSteps(jobId: string, steps: PolicySteps): void {
    const job = this.job(jobId);
    if (job === null) return;
    this.sql.exec("UPDATE policy_jobs SET steps = ? WHERE job_id = ?", JSON.stringify({ ...job.steps, ...steps }), jobId);
  }

  markFellBack(jobId: string): void {
    this.sql.exec("UPDATE policy_jobs SET fell_back = 1 WHERE job_id = ?", jobId);
  }

  /** Retention: plans of jobs finished before `before` go with the jobs. */
  pruneFinished(before: number): void {
    this.sql.exec("DELETE FROM policy_jobs WHERE job_id IN (SELECT id FROM jobs WHERE finished_at < ?)", before);
  }
}
