CREATE TABLE "analytics_timezones" (
	"workspace_id" integer PRIMARY KEY NOT NULL,
	"timezone" text NOT NULL
);
