CREATE TABLE "journey_step_counts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workspace_id" integer NOT NULL,
	"journey_id" text NOT NULL,
	"step_id" text NOT NULL,
	"passed" integer NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "journey_step_counts_journey_idx" ON "journey_step_counts" USING btree ("workspace_id","journey_id","step_id");