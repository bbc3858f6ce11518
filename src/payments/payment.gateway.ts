import { createHash } from 'node:crypto';
import { NonRetryableError } from 'nestjs-amqp-events';

/** The card token the simulated payment provider always declines (as a real provider's test token). */
export const DECLINED_CARD = 'tok_chargeDeclined';

/**
 * A stand-in for a payment provider: charges and refunds take an idempotency key (the saga step's
 * `executionId`), so a retried or re-run step never charges twice. A declined card fails for good:
 * NonRetryableError, so the saga compensates at once instead of retrying.
 */
export class PaymentGateway {
  private readonly charges = new Map<string, { paymentId: string; amountCents: number }>();
  private readonly refunds = new Set<string>();

  charge(token: string, amountCents: number, idempotencyKey: string): string {
    const known = this.charges.get(idempotencyKey);
    if (known) return known.paymentId;
    if (token === DECLINED_CARD) throw new NonRetryableError(`card declined (${token})`);
    const paymentId = `pay_${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 12)}`;
    this.charges.set(idempotencyKey, { paymentId, amountCents });
    return paymentId;
  }

  refund(paymentId: string, idempotencyKey: string): void {
    this.refunds.add(`${paymentId}:${idempotencyKey}`);
  }

  /** Cents charged and not refunded. */
  captured(): number {
    let sum = 0;
    for (const c of this.charges.values())
      if (![...this.refunds].some((r) => r.startsWith(`${c.paymentId}:`))) sum += c.amountCents;
    return sum;
  }
}
