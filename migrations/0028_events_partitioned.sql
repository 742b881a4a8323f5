-- Custom: `events` becomes PARTITION BY RANGE ("timestamp"), one partition a calendar month
-- (UTC) named events_YYYY_MM, plus events_default for rows of a month with no partition yet
-- (moved out by housekeeping, src/server/db/event-partitions.ts). A partitioned table's
-- unique keys must hold the partition key, so the primary key is (id, timestamp) and the
-- messageId dedupe moves to event_message_ids, kept by statement-level triggers on events.
-- drizzle-kit models none of this: the snapshot holds the columns, keys and indexes only.
-- See docs/scaling.md, "Partitioned events and retention".
CREATE TABLE "event_message_ids" (
	"workspace_id" integer NOT NULL,
	"message_id" text NOT NULL,
	CONSTRAINT "event_message_ids_pkey" PRIMARY KEY("workspace_id","message_id")
);
--> statement-breakpoint
ALTER TABLE "events" RENAME TO "events_unpartitioned";
--> statement-breakpoint
ALTER TABLE "events_unpartitioned" RENAME CONSTRAINT "events_pkey" TO "events_unpartitioned_pkey";
--> statement-breakpoint
DROP INDEX "events_message_uq";
--> statement-breakpoint
DROP INDEX "events_customer_time_idx";
--> statement-breakpoint
DROP INDEX "events_ws_event_time_idx";
--> statement-breakpoint
DROP INDEX "events_customer_event_time_idx";
--> statement-breakpoint
CREATE TABLE "events" (
	"id" bigint DEFAULT nextval('events_id_seq'::regclass) NOT NULL,
	"workspace_id" integer NOT NULL,
	"customer_id" bigint NOT NULL,
	"message_id" text NOT NULL,
	"type" text NOT NULL,
	"event" text,
	"user_id" text,
	"anonymous_id" text,
	"group_id" text,
	"timestamp" timestamp with time zone NOT NULL,
	"original_timestamp" timestamp with time zone,
	"sent_at" timestamp with time zone,
	"received_at" timestamp with time zone NOT NULL,
	"properties" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"traits" jsonb,
	"context" jsonb DEFAULT '{}'::jsonb NOT NULL
) PARTITION BY RANGE ("timestamp");
--> statement-breakpoint
ALTER SEQUENCE "events_id_seq" OWNED BY "events"."id";
--> statement-breakpoint
CREATE TABLE "events_default" PARTITION OF "events" DEFAULT;
--> statement-breakpoint
-- A partition for every month the stored events fall in, and for this month and the next.
DO $$
DECLARE m timestamp;
BEGIN
  FOR m IN
    SELECT DISTINCT date_trunc('month', "timestamp" AT TIME ZONE 'UTC') FROM "events_unpartitioned"
    UNION SELECT date_trunc('month', now() AT TIME ZONE 'UTC')
    UNION SELECT date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month'
  LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF "events" FOR VALUES FROM (%L) TO (%L)',
      'events_' || to_char(m, 'YYYY_MM'), to_char(m, 'YYYY-MM-DD') || ' 00:00:00+00', to_char(m + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00');
  END LOOP;
END $$;
--> statement-breakpoint
INSERT INTO "events" SELECT * FROM "events_unpartitioned";
--> statement-breakpoint
INSERT INTO "event_message_ids" ("workspace_id", "message_id") SELECT "workspace_id", "message_id" FROM "events_unpartitioned";
--> statement-breakpoint
DROP TABLE "events_unpartitioned";
--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_id_timestamp_pk" PRIMARY KEY("id","timestamp");
--> statement-breakpoint
CREATE INDEX "events_customer_time_idx" ON "events" USING btree ("customer_id","timestamp");
--> statement-breakpoint
CREATE INDEX "events_ws_event_time_idx" ON "events" USING btree ("workspace_id","event","timestamp");
--> statement-breakpoint
CREATE INDEX "events_customer_event_time_idx" ON "events" USING btree ("customer_id","event","timestamp");
--> statement-breakpoint
-- The messageId dedupe: every INSERT or COPY into events adds its rows' (workspace, messageId)
-- in the same statement (a repeat fails with 23505 on event_message_ids_pkey, as it did on
-- the unique index events_message_uq); every DELETE removes them. Statement-level with
-- transition tables: one set-based statement per append, whatever partitions the rows go to.
CREATE FUNCTION "events_message_ids_add"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO event_message_ids (workspace_id, message_id) SELECT workspace_id, message_id FROM new_events;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION "events_message_ids_remove"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM event_message_ids d USING old_events o WHERE d.workspace_id = o.workspace_id AND d.message_id = o.message_id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "events_message_ids_add" AFTER INSERT ON "events" REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION "events_message_ids_add"();
--> statement-breakpoint
CREATE TRIGGER "events_message_ids_remove" AFTER DELETE ON "events" REFERENCING OLD TABLE AS old_events FOR EACH STATEMENT EXECUTE FUNCTION "events_message_ids_remove"();
