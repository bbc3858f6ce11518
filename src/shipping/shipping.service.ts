import { createHash } from 'node:crypto';

/** A stand-in for the carrier: one shipment per order, whatever the number of calls. */
export class ShippingService {
  private readonly shipments = new Map<string, string>();

  create(orderId: string): string {
    let id = this.shipments.get(orderId);
    if (!id) {
      id = `shp_${createHash('sha256').update(orderId).digest('hex').slice(0, 10)}`;
      this.shipments.set(orderId, id);
    }
    return id;
  }

  count(): number {
    return this.shipments.size;
  }
}
