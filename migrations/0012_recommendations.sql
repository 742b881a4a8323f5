CREATE TABLE "customer_recommendations" (
	"workspace_id" integer NOT NULL,
	"customer_id" bigint NOT NULL,
	"rank" integer NOT NULL,
	"product_id" text NOT NULL,
	"score" double precision NOT NULL,
	"reason" text NOT NULL,
	CONSTRAINT "customer_recommendations_customer_id_rank_pk" PRIMARY KEY("customer_id","rank")
);
--> statement-breakpoint
CREATE TABLE "product_affinities" (
	"workspace_id" integer NOT NULL,
	"product_id" text NOT NULL,
	"other_id" text NOT NULL,
	"together" integer NOT NULL,
	"score" double precision NOT NULL,
	"rank" integer NOT NULL,
	CONSTRAINT "product_affinities_workspace_id_product_id_other_id_pk" PRIMARY KEY("workspace_id","product_id","other_id")
);
--> statement-breakpoint
CREATE TABLE "products" (
	"workspace_id" integer NOT NULL,
	"product_id" text NOT NULL,
	"name" text,
	"category" text,
	"price" numeric,
	"orders" integer NOT NULL,
	"buyers" integer NOT NULL,
	"computed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "products_workspace_id_product_id_pk" PRIMARY KEY("workspace_id","product_id")
);
