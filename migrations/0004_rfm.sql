CREATE TABLE "rfm_runs" (
	"workspace_id" integer PRIMARY KEY NOT NULL,
	"computed_at" timestamp with time zone NOT NULL,
	"buyers" integer NOT NULL,
	"boundaries" jsonb NOT NULL
);
