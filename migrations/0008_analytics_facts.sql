CREATE TABLE "analytics_cursor" (
	"id" integer PRIMARY KEY NOT NULL,
	"high_water" bigint NOT NULL,
	"gaps" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "analytics_customers" (
	"customer_id" bigint PRIMARY KEY NOT NULL,
	"workspace_id" integer NOT NULL,
	"first_seen_at" timestamp with time zone,
	"signed_up_at" timestamp with time zone,
	"first_order_at" timestamp with time zone,
	"second_order_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "analytics_days" (
	"workspace_id" integer NOT NULL,
	"day" date NOT NULL,
	"customer_id" bigint NOT NULL,
	"events" integer NOT NULL,
	"sessions" integer NOT NULL,
	"session_seconds" double precision NOT NULL,
	CONSTRAINT "analytics_days_workspace_id_day_customer_id_pk" PRIMARY KEY("workspace_id","day","customer_id")
);
--> statement-breakpoint
CREATE TABLE "analytics_merges" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workspace_id" integer NOT NULL,
	"from_customer_id" bigint NOT NULL,
	"into_customer_id" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "analytics_orders" (
	"event_id" bigint PRIMARY KEY NOT NULL,
	"workspace_id" integer NOT NULL,
	"customer_id" bigint NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"order_id" text,
	"amount" numeric
);
--> statement-breakpoint
CREATE INDEX "analytics_customers_ws_idx" ON "analytics_customers" USING btree ("workspace_id");--> statement-breakpoint
CREATE INDEX "analytics_days_customer_idx" ON "analytics_days" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "analytics_orders_ws_at_idx" ON "analytics_orders" USING btree ("workspace_id","at");--> statement-breakpoint
CREATE INDEX "analytics_orders_customer_idx" ON "analytics_orders" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "analytics_orders_order_idx" ON "analytics_orders" USING btree ("workspace_id","order_id");