CREATE TABLE "journey_cursor" (
	"id" integer PRIMARY KEY NOT NULL,
	"high_water" bigint NOT NULL,
	"gaps" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "journey_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workspace_id" integer NOT NULL,
	"journey_id" text NOT NULL,
	"version" integer NOT NULL,
	"customer_id" bigint NOT NULL,
	"status" text NOT NULL,
	"step" text NOT NULL,
	"state" jsonb NOT NULL,
	"variant" text,
	"wake_at" timestamp with time zone,
	"entry_key" text NOT NULL,
	"trigger" jsonb,
	"entered_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"end_reason" text,
	"failures" integer DEFAULT 0 NOT NULL,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "journey_signals" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" bigint NOT NULL,
	"event" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "journey_versions" (
	"workspace_id" integer NOT NULL,
	"journey_id" text NOT NULL,
	"version" integer NOT NULL,
	"definition" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "journey_versions_workspace_id_journey_id_version_pk" PRIMARY KEY("workspace_id","journey_id","version")
);
--> statement-breakpoint
CREATE TABLE "journeys" (
	"workspace_id" integer NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"live_version" integer,
	"trigger_state" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"entries" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone,
	CONSTRAINT "journeys_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workspace_id" integer NOT NULL,
	"customer_id" bigint NOT NULL,
	"journey_id" text,
	"run_id" bigint,
	"idempotency_key" text NOT NULL,
	"title" text NOT NULL,
	"note" text,
	"assignee_role" text NOT NULL,
	"assignee" text,
	"status" text DEFAULT 'open' NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"done_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "consents" (
	"workspace_id" integer NOT NULL,
	"customer_id" bigint NOT NULL,
	"group_id" text NOT NULL,
	"subscribed" boolean NOT NULL,
	"source" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "consents_workspace_id_customer_id_group_id_pk" PRIMARY KEY("workspace_id","customer_id","group_id")
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workspace_id" integer NOT NULL,
	"customer_id" bigint NOT NULL,
	"journey_id" text,
	"run_id" bigint,
	"step_id" text,
	"variant" text,
	"channel" text NOT NULL,
	"template_id" text,
	"group_id" text,
	"transactional" boolean DEFAULT false NOT NULL,
	"idempotency_key" text NOT NULL,
	"status" text NOT NULL,
	"reason" text,
	"reason_code" text,
	"to_address" text,
	"subject" text,
	"body_html" text,
	"body_text" text,
	"context" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"lease_until" timestamp with time zone,
	"provider_id" text,
	"created_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	"opened_at" timestamp with time zone,
	"clicked_at" timestamp with time zone,
	"read_at" timestamp with time zone,
	"dismissed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "messaging_settings" (
	"workspace_id" integer PRIMARY KEY NOT NULL,
	"settings" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "subscription_groups" (
	"workspace_id" integer NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"channel" text NOT NULL,
	"opt_in" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "subscription_groups_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "suppressions" (
	"workspace_id" integer NOT NULL,
	"channel" text NOT NULL,
	"address" text NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "suppressions_workspace_id_channel_address_pk" PRIMARY KEY("workspace_id","channel","address")
);
--> statement-breakpoint
CREATE TABLE "templates" (
	"workspace_id" integer NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"channel" text NOT NULL,
	"format" text NOT NULL,
	"subject" text,
	"body" text NOT NULL,
	"text" text,
	"compiled" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "templates_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "journey_runs_entry_uq" ON "journey_runs" USING btree ("workspace_id","journey_id","customer_id","entry_key");--> statement-breakpoint
CREATE UNIQUE INDEX "journey_runs_open_uq" ON "journey_runs" USING btree ("workspace_id","journey_id","customer_id") WHERE status IN ('active', 'waiting');--> statement-breakpoint
CREATE INDEX "journey_runs_wake_idx" ON "journey_runs" USING btree ("wake_at") WHERE wake_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX "journey_runs_customer_idx" ON "journey_runs" USING btree ("workspace_id","customer_id");--> statement-breakpoint
CREATE INDEX "journey_runs_journey_idx" ON "journey_runs" USING btree ("workspace_id","journey_id","status");--> statement-breakpoint
CREATE INDEX "journey_signals_run_idx" ON "journey_signals" USING btree ("run_id");--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_key_uq" ON "tasks" USING btree ("workspace_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "tasks_open_idx" ON "tasks" USING btree ("workspace_id","status","due_at");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_key_uq" ON "messages" USING btree ("workspace_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "messages_due_idx" ON "messages" USING btree ("next_attempt_at") WHERE status IN ('queued', 'sending');--> statement-breakpoint
CREATE INDEX "messages_customer_idx" ON "messages" USING btree ("workspace_id","customer_id","created_at");--> statement-breakpoint
CREATE INDEX "messages_journey_idx" ON "messages" USING btree ("workspace_id","journey_id","status");