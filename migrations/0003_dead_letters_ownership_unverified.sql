CREATE TABLE "outbox_dead_letters" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "outbox_dead_letters_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"project_id" text NOT NULL,
	"op" text NOT NULL,
	"sql_state" text,
	"dedupe_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "outbox_dead_letters_dedupe_key_unique" UNIQUE("dedupe_key")
);
--> statement-breakpoint
ALTER TABLE "session_resume_attempts" DROP CONSTRAINT "session_resume_attempts_outcome_check";--> statement-breakpoint
CREATE INDEX "outbox_dead_letters_project_id_created_at_idx" ON "outbox_dead_letters" USING btree ("project_id","created_at");--> statement-breakpoint
ALTER TABLE "session_resume_attempts" ADD CONSTRAINT "session_resume_attempts_outcome_check" CHECK ("session_resume_attempts"."outcome" in ('resumed', 'forked', 'not_found', 'corrupted', 'stale', 'skipped', 'security_violation', 'ownership_unverified', 'error'));