CREATE TABLE "analytics_months" (
	"workspace_id" integer NOT NULL,
	"month" date NOT NULL,
	"customer_id" bigint NOT NULL,
	"events" integer NOT NULL,
	"sessions" integer NOT NULL,
	"session_seconds" double precision NOT NULL,
	CONSTRAINT "analytics_months_workspace_id_month_customer_id_pk" PRIMARY KEY("workspace_id","month","customer_id")
);
--> statement-breakpoint
DROP INDEX "analytics_orders_customer_idx";--> statement-breakpoint
CREATE INDEX "analytics_months_customer_idx" ON "analytics_months" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "events_customer_event_time_idx" ON "events" USING btree ("customer_id","event","timestamp");--> statement-breakpoint
CREATE INDEX "stage_transitions_to_idx" ON "stage_transitions" USING btree ("workspace_id","scope","to_stage","at");--> statement-breakpoint
CREATE INDEX "analytics_orders_customer_at_idx" ON "analytics_orders" USING btree ("customer_id","at");--> statement-breakpoint
INSERT INTO "analytics_months" ("workspace_id", "month", "customer_id", "events", "sessions", "session_seconds")
SELECT "workspace_id", date_trunc('month', "day")::date, "customer_id", sum("events"), sum("sessions"), sum("session_seconds")
  FROM "analytics_days" GROUP BY 1, 2, 3;
