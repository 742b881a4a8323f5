-- Rendered message bodies (tens of KB of HTML each) are compressed with lz4 where the server
-- has it: a fraction of pglz's CPU per stored message. PGlite is built without lz4: keep pglz.
DO $$
BEGIN
  ALTER TABLE "messages" ALTER COLUMN "body_html" SET COMPRESSION lz4;
  ALTER TABLE "messages" ALTER COLUMN "body_text" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  NULL;
END $$;
