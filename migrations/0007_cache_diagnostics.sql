ALTER TABLE "project_ai_session_metrics" ADD COLUMN "cache" jsonb;--> statement-breakpoint
ALTER TABLE "project_versions" ADD COLUMN "cache_note" text;