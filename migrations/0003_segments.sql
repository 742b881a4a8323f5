CREATE TABLE "segment_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workspace_id" integer NOT NULL,
	"segment_id" text NOT NULL,
	"customer_id" bigint NOT NULL,
	"entered_at" timestamp with time zone NOT NULL,
	"exited_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "segments" (
	"workspace_id" integer NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"kind" text NOT NULL,
	"condition" jsonb,
	"version" integer DEFAULT 1 NOT NULL,
	"computed_version" integer,
	"computed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "segments_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE INDEX "segment_history_segment_idx" ON "segment_history" USING btree ("workspace_id","segment_id","customer_id");--> statement-breakpoint
CREATE INDEX "segment_history_customer_idx" ON "segment_history" USING btree ("customer_id");