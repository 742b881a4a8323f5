CREATE TABLE "loyalty_cursor" (
	"id" integer PRIMARY KEY NOT NULL,
	"high_water" bigint DEFAULT 0 NOT NULL,
	"gaps" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "loyalty_entries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workspace_id" integer NOT NULL,
	"idempotency_key" text NOT NULL,
	"kind" text NOT NULL,
	"customer_id" bigint NOT NULL,
	"counterparty_id" bigint,
	"points" bigint NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"order_id" text,
	"source_event" text,
	"rule" jsonb,
	"reverses" bigint,
	"redemption_id" bigint,
	"referral_id" bigint,
	"actor" text,
	"reason" text,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "loyalty_lots" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workspace_id" integer NOT NULL,
	"customer_id" bigint NOT NULL,
	"entry_id" bigint NOT NULL,
	"points" bigint NOT NULL,
	"earned_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone,
	"pending_until" timestamp with time zone,
	"pending_event" text,
	"order_id" text
);
--> statement-breakpoint
CREATE TABLE "loyalty_members" (
	"workspace_id" integer NOT NULL,
	"customer_id" bigint NOT NULL,
	"status" text NOT NULL,
	"joined_at" timestamp with time zone NOT NULL,
	"tier" text,
	"tier_since" timestamp with time zone,
	"term_start" timestamp with time zone,
	"reviewed_at" timestamp with time zone,
	CONSTRAINT "loyalty_members_workspace_id_customer_id_pk" PRIMARY KEY("workspace_id","customer_id")
);
--> statement-breakpoint
CREATE TABLE "loyalty_postings" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"entry_id" bigint NOT NULL,
	"workspace_id" integer NOT NULL,
	"account" text NOT NULL,
	"customer_id" bigint,
	"lot_id" bigint,
	"amount" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "loyalty_programme_versions" (
	"workspace_id" integer NOT NULL,
	"version" integer NOT NULL,
	"settings" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "loyalty_programme_versions_workspace_id_version_pk" PRIMARY KEY("workspace_id","version")
);
--> statement-breakpoint
CREATE TABLE "loyalty_programmes" (
	"workspace_id" integer PRIMARY KEY NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"settings" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"live_since" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "loyalty_redemptions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workspace_id" integer NOT NULL,
	"customer_id" bigint NOT NULL,
	"reward_id" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"entry_id" bigint,
	"points" bigint NOT NULL,
	"code" text,
	"status" text DEFAULT 'issued' NOT NULL,
	"channel" text NOT NULL,
	"referral_id" bigint,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "loyalty_reward_codes" (
	"workspace_id" integer NOT NULL,
	"reward_id" text NOT NULL,
	"code" text NOT NULL,
	"redemption_id" bigint,
	"uploaded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "loyalty_reward_codes_workspace_id_reward_id_code_pk" PRIMARY KEY("workspace_id","reward_id","code")
);
--> statement-breakpoint
CREATE TABLE "loyalty_rewards" (
	"workspace_id" integer NOT NULL,
	"id" text NOT NULL,
	"definition" jsonb NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "loyalty_rewards_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "loyalty_tier_changes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workspace_id" integer NOT NULL,
	"customer_id" bigint NOT NULL,
	"from_tier" text,
	"to_tier" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"reason" text NOT NULL,
	"value" numeric
);
--> statement-breakpoint
CREATE TABLE "referral_clicks" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workspace_id" integer NOT NULL,
	"code" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"ip" text,
	"user_agent" text
);
--> statement-breakpoint
CREATE TABLE "referral_codes" (
	"workspace_id" integer NOT NULL,
	"code" text NOT NULL,
	"customer_id" bigint NOT NULL,
	"vanity" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"disabled_at" timestamp with time zone,
	CONSTRAINT "referral_codes_workspace_id_code_pk" PRIMARY KEY("workspace_id","code")
);
--> statement-breakpoint
CREATE TABLE "referral_cursor" (
	"id" integer PRIMARY KEY NOT NULL,
	"high_water" bigint DEFAULT 0 NOT NULL,
	"gaps" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "referral_settings" (
	"workspace_id" integer PRIMARY KEY NOT NULL,
	"settings" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "referrals" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workspace_id" integer NOT NULL,
	"code" text NOT NULL,
	"advocate_id" bigint NOT NULL,
	"friend_id" bigint NOT NULL,
	"via" text NOT NULL,
	"attributed_at" timestamp with time zone NOT NULL,
	"evidence" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'attributed' NOT NULL,
	"decision" text,
	"reasons" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"decided_at" timestamp with time zone,
	"override" jsonb,
	"order_id" text,
	"order_value" numeric,
	"order_at" timestamp with time zone,
	"advocate_due_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "loyalty_entries_key_uq" ON "loyalty_entries" USING btree ("workspace_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "loyalty_entries_customer_idx" ON "loyalty_entries" USING btree ("workspace_id","customer_id","at");--> statement-breakpoint
CREATE INDEX "loyalty_entries_order_idx" ON "loyalty_entries" USING btree ("workspace_id","order_id") WHERE "loyalty_entries"."order_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "loyalty_lots_customer_idx" ON "loyalty_lots" USING btree ("workspace_id","customer_id");--> statement-breakpoint
CREATE INDEX "loyalty_lots_expiry_idx" ON "loyalty_lots" USING btree ("workspace_id","expires_at") WHERE "loyalty_lots"."expires_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "loyalty_lots_pending_idx" ON "loyalty_lots" USING btree ("workspace_id","pending_until") WHERE "loyalty_lots"."pending_until" IS NOT NULL OR "loyalty_lots"."pending_event" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "loyalty_members_customer_idx" ON "loyalty_members" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "loyalty_postings_entry_idx" ON "loyalty_postings" USING btree ("entry_id");--> statement-breakpoint
CREATE INDEX "loyalty_postings_customer_idx" ON "loyalty_postings" USING btree ("workspace_id","customer_id") WHERE "loyalty_postings"."customer_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "loyalty_postings_lot_idx" ON "loyalty_postings" USING btree ("lot_id") WHERE "loyalty_postings"."lot_id" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "loyalty_redemptions_key_uq" ON "loyalty_redemptions" USING btree ("workspace_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "loyalty_redemptions_customer_idx" ON "loyalty_redemptions" USING btree ("workspace_id","customer_id");--> statement-breakpoint
CREATE INDEX "loyalty_reward_codes_free_idx" ON "loyalty_reward_codes" USING btree ("workspace_id","reward_id") WHERE "loyalty_reward_codes"."redemption_id" IS NULL;--> statement-breakpoint
CREATE INDEX "loyalty_tier_changes_customer_idx" ON "loyalty_tier_changes" USING btree ("workspace_id","customer_id","at");--> statement-breakpoint
CREATE INDEX "referral_clicks_code_idx" ON "referral_clicks" USING btree ("workspace_id","code","at");--> statement-breakpoint
CREATE INDEX "referral_codes_customer_idx" ON "referral_codes" USING btree ("workspace_id","customer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "referrals_friend_uq" ON "referrals" USING btree ("workspace_id","friend_id");--> statement-breakpoint
CREATE INDEX "referrals_advocate_idx" ON "referrals" USING btree ("workspace_id","advocate_id","attributed_at");--> statement-breakpoint
CREATE INDEX "referrals_status_idx" ON "referrals" USING btree ("workspace_id","status");--> statement-breakpoint
CREATE INDEX "referrals_due_idx" ON "referrals" USING btree ("advocate_due_at") WHERE "referrals"."status" = 'pending';