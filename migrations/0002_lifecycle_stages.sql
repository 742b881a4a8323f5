CREATE TABLE "customer_scores" (
	"workspace_id" integer NOT NULL,
	"customer_id" bigint NOT NULL,
	"name" text NOT NULL,
	"value" jsonb NOT NULL,
	"computed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "customer_scores_customer_id_name_pk" PRIMARY KEY("customer_id","name")
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workspace_id" integer NOT NULL,
	"kind" text NOT NULL,
	"params" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"done" bigint DEFAULT 0 NOT NULL,
	"total" bigint,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"heartbeat_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "lifecycle_models" (
	"workspace_id" integer PRIMARY KEY NOT NULL,
	"version" integer NOT NULL,
	"model" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "segment_members" (
	"workspace_id" integer NOT NULL,
	"segment_id" text NOT NULL,
	"customer_id" bigint NOT NULL,
	"entered_at" timestamp with time zone NOT NULL,
	CONSTRAINT "segment_members_workspace_id_segment_id_customer_id_pk" PRIMARY KEY("workspace_id","segment_id","customer_id")
);
--> statement-breakpoint
CREATE TABLE "stage_states" (
	"workspace_id" integer NOT NULL,
	"scope" text NOT NULL,
	"subject_id" bigint NOT NULL,
	"stage" text NOT NULL,
	"since" timestamp with time zone NOT NULL,
	"reason" text NOT NULL,
	"evaluated_at" timestamp with time zone NOT NULL,
	"next_check_at" timestamp with time zone,
	"model_version" integer NOT NULL,
	CONSTRAINT "stage_states_workspace_id_scope_subject_id_pk" PRIMARY KEY("workspace_id","scope","subject_id")
);
--> statement-breakpoint
CREATE TABLE "stage_transitions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workspace_id" integer NOT NULL,
	"scope" text NOT NULL,
	"subject_id" bigint NOT NULL,
	"from_stage" text,
	"to_stage" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"pattern" text NOT NULL,
	"reason" text NOT NULL,
	"trigger_message_id" text
);
--> statement-breakpoint
CREATE INDEX "jobs_status_idx" ON "jobs" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "segment_members_customer_idx" ON "segment_members" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "stage_states_stage_idx" ON "stage_states" USING btree ("workspace_id","scope","stage");--> statement-breakpoint
CREATE INDEX "stage_states_check_idx" ON "stage_states" USING btree ("next_check_at");--> statement-breakpoint
CREATE INDEX "stage_transitions_subject_idx" ON "stage_transitions" USING btree ("workspace_id","scope","subject_id","at");--> statement-breakpoint
CREATE INDEX "stage_transitions_time_idx" ON "stage_transitions" USING btree ("workspace_id","scope","at");