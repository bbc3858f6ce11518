import type { MigrationInterface, QueryRunner } from 'typeorm';

export const ORDER_SUMMARY_TABLE = 'demo_order_summary';

/** The order-summary read model (one row per order), created by a migration like the library's tables. */
export class OrderSummaryTable1764300000000 implements MigrationInterface {
  name = 'OrderSummaryTable1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "${ORDER_SUMMARY_TABLE}" (
        "order_id" varchar(64) PRIMARY KEY NOT NULL,
        "customer" varchar(200) NOT NULL,
        "status" varchar(20) NOT NULL,
        "amount_cents" integer NOT NULL,
        "currency" varchar(3) NOT NULL,
        "position" integer NOT NULL
      )`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "${ORDER_SUMMARY_TABLE}"`);
  }
}
