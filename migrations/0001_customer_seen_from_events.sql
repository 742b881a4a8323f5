ALTER TABLE "customers" DROP COLUMN "first_seen_at";--> statement-breakpoint
ALTER TABLE "customers" DROP COLUMN "last_seen_at";