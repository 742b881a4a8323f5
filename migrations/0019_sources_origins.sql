ALTER TABLE "workspaces" ADD COLUMN "write_key" text;--> statement-breakpoint
ALTER TABLE "workspaces" ADD COLUMN "allowed_origins" text[] DEFAULT '{*}'::text[] NOT NULL;