CREATE TABLE "helpdesk_connections" (
	"workspace_id" integer NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"secret" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "helpdesk_connections_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "helpdesk_deliveries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workspace_id" integer NOT NULL,
	"connection_id" text NOT NULL,
	"delivery_id" text,
	"received_at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"reason_code" text,
	"reason" text,
	"payload" jsonb,
	"events" text[] DEFAULT '{}' NOT NULL,
	"customer_id" bigint
);
--> statement-breakpoint
CREATE TABLE "support_tickets" (
	"workspace_id" integer NOT NULL,
	"connection_id" text NOT NULL,
	"ticket_id" text NOT NULL,
	"customer_id" bigint,
	"account_id" bigint,
	"requester_email" text,
	"requester_phone" text,
	"requester_external_id" text,
	"organization" text,
	"domain" text,
	"created_at" timestamp with time zone,
	"first_response_at" timestamp with time zone,
	"solved_at" timestamp with time zone,
	"solves" integer DEFAULT 0 NOT NULL,
	"reopens" integer DEFAULT 0 NOT NULL,
	"rating" real,
	"rated_at" timestamp with time zone,
	"events" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "support_tickets_workspace_id_connection_id_ticket_id_pk" PRIMARY KEY("workspace_id","connection_id","ticket_id")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "helpdesk_connections_id_uq" ON "helpdesk_connections" USING btree ("id");--> statement-breakpoint
CREATE UNIQUE INDEX "helpdesk_deliveries_delivery_uq" ON "helpdesk_deliveries" USING btree ("connection_id","delivery_id");--> statement-breakpoint
CREATE INDEX "helpdesk_deliveries_connection_idx" ON "helpdesk_deliveries" USING btree ("workspace_id","connection_id","id");--> statement-breakpoint
CREATE INDEX "support_tickets_customer_idx" ON "support_tickets" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "support_tickets_account_idx" ON "support_tickets" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "customers_email_idx" ON "customers" USING btree ("workspace_id",lower("traits" ->> 'email'));