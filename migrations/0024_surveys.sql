CREATE TABLE "survey_invitations" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workspace_id" integer NOT NULL,
	"survey_id" text NOT NULL,
	"version" integer NOT NULL,
	"type" text NOT NULL,
	"customer_id" bigint NOT NULL,
	"channel" text NOT NULL,
	"source" text NOT NULL,
	"journey_id" text,
	"run_id" bigint,
	"round" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"status" text NOT NULL,
	"reason_code" text,
	"reason" text,
	"eligible_at" timestamp with time zone,
	"message_id" bigint,
	"created_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	"answered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "survey_responses" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workspace_id" integer NOT NULL,
	"invitation_id" bigint NOT NULL,
	"survey_id" text NOT NULL,
	"version" integer NOT NULL,
	"type" text NOT NULL,
	"customer_id" bigint NOT NULL,
	"account_id" bigint,
	"channel" text NOT NULL,
	"round" text NOT NULL,
	"score" real NOT NULL,
	"band" text NOT NULL,
	"sentiment" text NOT NULL,
	"comment" text,
	"commented_at" timestamp with time zone,
	"responded_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "survey_settings" (
	"workspace_id" integer PRIMARY KEY NOT NULL,
	"rules" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "survey_versions" (
	"workspace_id" integer NOT NULL,
	"survey_id" text NOT NULL,
	"version" integer NOT NULL,
	"definition" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "survey_versions_workspace_id_survey_id_version_pk" PRIMARY KEY("workspace_id","survey_id","version")
);
--> statement-breakpoint
CREATE TABLE "surveys" (
	"workspace_id" integer NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "surveys_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "reason" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "subject_key" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "response_id" bigint;--> statement-breakpoint
CREATE UNIQUE INDEX "survey_invitations_key_uq" ON "survey_invitations" USING btree ("workspace_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "survey_invitations_due_idx" ON "survey_invitations" USING btree ("eligible_at") WHERE status IN ('pending', 'held');--> statement-breakpoint
CREATE INDEX "survey_invitations_customer_idx" ON "survey_invitations" USING btree ("workspace_id","customer_id","sent_at");--> statement-breakpoint
CREATE INDEX "survey_invitations_survey_idx" ON "survey_invitations" USING btree ("workspace_id","survey_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "survey_responses_invitation_uq" ON "survey_responses" USING btree ("invitation_id");--> statement-breakpoint
CREATE INDEX "survey_responses_survey_idx" ON "survey_responses" USING btree ("workspace_id","survey_id","responded_at");--> statement-breakpoint
CREATE INDEX "survey_responses_customer_idx" ON "survey_responses" USING btree ("workspace_id","customer_id","responded_at");--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_open_reason_uq" ON "tasks" USING btree ("workspace_id","reason","subject_key") WHERE status = 'open' AND reason IS NOT NULL;