CREATE TABLE "messaging_providers" (
	"workspace_id" integer NOT NULL,
	"channel" text NOT NULL,
	"kind" text NOT NULL,
	"settings" jsonb NOT NULL,
	"secret" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "messaging_providers_workspace_id_channel_pk" PRIMARY KEY("workspace_id","channel")
);
