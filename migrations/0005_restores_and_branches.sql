ALTER TABLE "project_ai_session_metrics" DROP CONSTRAINT "project_ai_session_metrics_operation_check";--> statement-breakpoint
ALTER TABLE "project_versions" DROP CONSTRAINT "project_versions_kind_check";--> statement-breakpoint
ALTER TABLE "project_versions" ADD COLUMN "branch" text DEFAULT 'main' NOT NULL;--> statement-breakpoint
ALTER TABLE "project_versions" ADD COLUMN "restored_from" integer;--> statement-breakpoint
ALTER TABLE "project_versions" ADD COLUMN "pinned" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "project_versions" ADD COLUMN "pruned_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "project_versions_project_id_branch_idx" ON "project_versions" USING btree ("project_id","branch","version_number");--> statement-breakpoint
ALTER TABLE "project_ai_session_metrics" ADD CONSTRAINT "project_ai_session_metrics_operation_check" CHECK ("project_ai_session_metrics"."operation" in ('build', 'update', 'metadata', 'compact', 'restore', 'branch'));--> statement-breakpoint
ALTER TABLE "project_versions" ADD CONSTRAINT "project_versions_branch_format" CHECK ("project_versions"."branch" ~ '^[a-z0-9-]{1,40}$');--> statement-breakpoint
ALTER TABLE "project_versions" ADD CONSTRAINT "project_versions_kind_check" CHECK ("project_versions"."kind" in ('create', 'update', 'restore', 'branch'));