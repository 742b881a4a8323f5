CREATE TABLE "derived_work" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workspace_id" integer NOT NULL,
	"kind" text NOT NULL,
	"scope" text DEFAULT 'customer' NOT NULL,
	"subject_ids" bigint[] NOT NULL,
	"changes" jsonb,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"not_before" timestamp with time zone DEFAULT now() NOT NULL,
	"parked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "workspaces" ADD COLUMN "inbox_secret" text;--> statement-breakpoint
ALTER TABLE "workspaces" ADD COLUMN "inbox_verification" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "derived_work_claim_idx" ON "derived_work" USING btree ("kind","not_before","id") WHERE parked_at IS NULL;