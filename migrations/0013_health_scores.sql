CREATE TABLE "health_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workspace_id" integer NOT NULL,
	"scope" text NOT NULL,
	"subject_id" bigint NOT NULL,
	"score" double precision NOT NULL,
	"band" text NOT NULL,
	"previous_score" double precision,
	"previous_band" text,
	"measures" jsonb NOT NULL,
	"movers" jsonb NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "health_scorecards" (
	"workspace_id" integer PRIMARY KEY NOT NULL,
	"scorecard" jsonb,
	"updated_at" timestamp with time zone,
	"computed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "health_scores" (
	"workspace_id" integer NOT NULL,
	"scope" text NOT NULL,
	"subject_id" bigint NOT NULL,
	"score" double precision NOT NULL,
	"band" text NOT NULL,
	"measures" jsonb NOT NULL,
	"missing" jsonb NOT NULL,
	"computed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "health_scores_scope_subject_id_pk" PRIMARY KEY("scope","subject_id")
);
--> statement-breakpoint
CREATE INDEX "health_history_subject_idx" ON "health_history" USING btree ("scope","subject_id","at");--> statement-breakpoint
CREATE INDEX "health_scores_ws_band_idx" ON "health_scores" USING btree ("workspace_id","scope","band");