/** Stock reserved for one order. */
export interface Reservation {
  sku: string;
  quantity: number;
}

/**
 * A stand-in for the inventory service the fulfilment saga calls: stock per SKU, reservations per
 * order. Both calls are idempotent per order, so a saga step re-run after a crash changes nothing twice.
 */
export class Warehouse {
  private readonly stock = new Map<string, number>();
  private readonly reserved = new Map<string, Reservation[]>();

  constructor(initial: Record<string, number>) {
    for (const [sku, n] of Object.entries(initial)) this.stock.set(sku, n);
  }

  reserve(orderId: string, lines: Reservation[]): Reservation[] {
    const existing = this.reserved.get(orderId);
    if (existing) return existing;
    for (const l of lines) {
      const available = this.stock.get(l.sku) ?? 0;
      if (available < l.quantity)
        throw new Error(`only ${available} × ${l.sku} in stock, ${l.quantity} wanted`);
    }
    for (const l of lines) this.stock.set(l.sku, (this.stock.get(l.sku) ?? 0) - l.quantity);
    const reservation = lines.map((l) => ({ sku: l.sku, quantity: l.quantity }));
    this.reserved.set(orderId, reservation);
    return reservation;
  }

  /** Gives the order's reserved stock back; returns what was released (nothing the second time). */
  release(orderId: string): Reservation[] {
    const reservation = this.reserved.get(orderId);
    if (!reservation) return [];
    for (const l of reservation) this.stock.set(l.sku, (this.stock.get(l.sku) ?? 0) + l.quantity);
    this.reserved.delete(orderId);
    return reservation;
  }

  /** Stock per SKU. */
  levels(): Record<string, number> {
    return Object.fromEntries(this.stock);
  }
}
