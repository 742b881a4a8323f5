CREATE TABLE "customer_predictions" (
	"workspace_id" integer NOT NULL,
	"customer_id" bigint NOT NULL,
	"kind" text NOT NULL,
	"model_id" bigint NOT NULL,
	"probability" double precision NOT NULL,
	"score" double precision NOT NULL,
	"factors" jsonb NOT NULL,
	"computed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "customer_predictions_customer_id_kind_pk" PRIMARY KEY("customer_id","kind")
);
--> statement-breakpoint
CREATE TABLE "prediction_models" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workspace_id" integer NOT NULL,
	"kind" text NOT NULL,
	"trained_at" timestamp with time zone NOT NULL,
	"as_of" timestamp with time zone NOT NULL,
	"horizon_days" integer NOT NULL,
	"features" jsonb NOT NULL,
	"params" jsonb NOT NULL,
	"metrics" jsonb NOT NULL
);
--> statement-breakpoint
CREATE INDEX "customer_predictions_ws_idx" ON "customer_predictions" USING btree ("workspace_id","kind");--> statement-breakpoint
CREATE INDEX "prediction_models_ws_kind_idx" ON "prediction_models" USING btree ("workspace_id","kind","id");