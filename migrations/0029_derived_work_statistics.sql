-- Custom: no planner statistics on derived_work's subject lists and change maps. No query
-- filters on them but an erasure's overlap test, which needs none, and ANALYZE of a queue
-- holding a few hundred arrays of ~500 ids (element statistics) took 1.6 s a time in
-- bench/ingest.ts, every 15 s while the queue kept turning over (db/maintenance.ts), and as
-- often from autovacuum where it is on. Without them ANALYZE of the table takes milliseconds.
ALTER TABLE "derived_work" ALTER COLUMN "subject_ids" SET STATISTICS 0;--> statement-breakpoint
ALTER TABLE "derived_work" ALTER COLUMN "changes" SET STATISTICS 0;
