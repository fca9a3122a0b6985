CREATE TABLE "project_ai_session_metrics" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "project_ai_session_metrics_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"project_id" text NOT NULL,
	"version_id" text NOT NULL,
	"operation" text NOT NULL,
	"session_id_in" text,
	"session_id_out" text,
	"input_tokens" integer DEFAULT 0 NOT NULL,
	"output_tokens" integer DEFAULT 0 NOT NULL,
	"cache_creation_input_tokens" integer DEFAULT 0 NOT NULL,
	"cache_read_input_tokens" integer DEFAULT 0 NOT NULL,
	"cost_usd" numeric(12, 6) DEFAULT 0 NOT NULL,
	"duration_ms" integer DEFAULT 0 NOT NULL,
	"num_turns" integer DEFAULT 0 NOT NULL,
	"tool_calls" integer DEFAULT 0 NOT NULL,
	"files_read" integer DEFAULT 0 NOT NULL,
	"is_resumable" boolean DEFAULT true NOT NULL,
	"resume_failure_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "project_ai_session_metrics_operation_check" CHECK ("project_ai_session_metrics"."operation" in ('build', 'update', 'metadata', 'compact'))
);
--> statement-breakpoint
CREATE TABLE "project_versions" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"version_number" integer NOT NULL,
	"kind" text NOT NULL,
	"prompt" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"job_id" text NOT NULL,
	"ai_session_id" text,
	"ai_session_created_at" timestamp with time zone,
	"ai_session_last_used_at" timestamp with time zone,
	"resume_decision" text,
	"resume_reason" text,
	"recommendations" jsonb,
	"documentation" text,
	"input_tokens" integer DEFAULT 0 NOT NULL,
	"output_tokens" integer DEFAULT 0 NOT NULL,
	"cache_creation_input_tokens" integer DEFAULT 0 NOT NULL,
	"cache_read_input_tokens" integer DEFAULT 0 NOT NULL,
	"cost_usd" numeric(12, 6) DEFAULT 0 NOT NULL,
	"duration_ms" integer DEFAULT 0 NOT NULL,
	"error_code" text,
	"error_message" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	CONSTRAINT "project_versions_job_id_unique" UNIQUE("job_id"),
	CONSTRAINT "project_versions_project_id_version_number_unique" UNIQUE("project_id","version_number"),
	CONSTRAINT "project_versions_id_format" CHECK ("project_versions"."id" ~ '^ver_[A-Za-z0-9_-]+$'),
	CONSTRAINT "project_versions_version_number_positive" CHECK ("project_versions"."version_number" > 0),
	CONSTRAINT "project_versions_kind_check" CHECK ("project_versions"."kind" in ('create', 'update')),
	CONSTRAINT "project_versions_status_check" CHECK ("project_versions"."status" in ('queued', 'running', 'succeeded', 'failed')),
	CONSTRAINT "project_versions_resume_decision_check" CHECK ("project_versions"."resume_decision" in ('resume', 'fresh'))
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_user_id" text NOT NULL,
	"name" text NOT NULL,
	"resume_enabled" boolean,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "projects_id_format" CHECK ("projects"."id" ~ '^prj_[a-z0-9]{24}$')
);
--> statement-breakpoint
CREATE TABLE "session_resume_attempts" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "session_resume_attempts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"project_id" text NOT NULL,
	"version_id" text,
	"user_id" text,
	"requested_session_id" text,
	"returned_session_id" text,
	"outcome" text NOT NULL,
	"reason" text NOT NULL,
	"attempt_number" integer NOT NULL,
	"error_text" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "session_resume_attempts_outcome_check" CHECK ("session_resume_attempts"."outcome" in ('resumed', 'forked', 'not_found', 'corrupted', 'stale', 'skipped', 'security_violation', 'error')),
	CONSTRAINT "session_resume_attempts_attempt_number_positive" CHECK ("session_resume_attempts"."attempt_number" > 0)
);
--> statement-breakpoint
ALTER TABLE "project_ai_session_metrics" ADD CONSTRAINT "project_ai_session_metrics_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_ai_session_metrics" ADD CONSTRAINT "project_ai_session_metrics_version_id_project_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."project_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_versions" ADD CONSTRAINT "project_versions_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_resume_attempts" ADD CONSTRAINT "session_resume_attempts_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_resume_attempts" ADD CONSTRAINT "session_resume_attempts_version_id_project_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."project_versions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "project_ai_session_metrics_project_id_created_at_idx" ON "project_ai_session_metrics" USING btree ("project_id","created_at");--> statement-breakpoint
CREATE INDEX "project_ai_session_metrics_version_id_idx" ON "project_ai_session_metrics" USING btree ("version_id");--> statement-breakpoint
CREATE INDEX "project_versions_ai_session_id_idx" ON "project_versions" USING btree ("ai_session_id");--> statement-breakpoint
CREATE INDEX "projects_owner_user_id_idx" ON "projects" USING btree ("owner_user_id");--> statement-breakpoint
CREATE INDEX "session_resume_attempts_project_id_created_at_idx" ON "session_resume_attempts" USING btree ("project_id","created_at");--> statement-breakpoint
CREATE INDEX "session_resume_attempts_version_id_idx" ON "session_resume_attempts" USING btree ("version_id");