ALTER TABLE "project_versions" ADD COLUMN "policy_choice" text;--> statement-breakpoint
ALTER TABLE "project_versions" ADD COLUMN "policy_predictions" jsonb;--> statement-breakpoint
ALTER TABLE "project_versions" ADD COLUMN "predicted_cost_usd" numeric(12, 6);--> statement-breakpoint
ALTER TABLE "project_versions" ADD COLUMN "predicted_duration_ms" integer;--> statement-breakpoint
ALTER TABLE "project_versions" ADD COLUMN "actual_cost_usd" numeric(12, 6);--> statement-breakpoint
ALTER TABLE "project_versions" ADD COLUMN "actual_duration_ms" integer;--> statement-breakpoint
ALTER TABLE "project_versions" ADD COLUMN "cache_ttl" text;--> statement-breakpoint
ALTER TABLE "projects" ADD COLUMN "session_policy" text;--> statement-breakpoint
ALTER TABLE "project_versions" ADD CONSTRAINT "project_versions_policy_choice_check" CHECK ("project_versions"."policy_choice" in ('resume', 'compact_resume', 'handoff', 'fresh'));--> statement-breakpoint
ALTER TABLE "project_versions" ADD CONSTRAINT "project_versions_cache_ttl_check" CHECK ("project_versions"."cache_ttl" in ('5m', '1h'));--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_session_policy_check" CHECK ("projects"."session_policy" in ('economic', 'always', 'never'));