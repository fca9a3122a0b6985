ALTER TABLE "project_ai_session_metrics" ADD COLUMN "dedupe_key" text;--> statement-breakpoint
ALTER TABLE "session_resume_attempts" ADD COLUMN "dedupe_key" text;--> statement-breakpoint
ALTER TABLE "project_ai_session_metrics" ADD CONSTRAINT "project_ai_session_metrics_dedupe_key_unique" UNIQUE("dedupe_key");--> statement-breakpoint
ALTER TABLE "session_resume_attempts" ADD CONSTRAINT "session_resume_attempts_dedupe_key_unique" UNIQUE("dedupe_key");