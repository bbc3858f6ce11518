import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DeadLetterService, NonRetryableError, OnEvent, type DeadLetteredNotice } from 'nestjs-amqp-events';
import { EventsTestHarness, EventsTestingModule } from 'nestjs-amqp-events/testing';

@Injectable()
class Payments {
  @OnEvent('Payment.requested')
  charge(data: { card: string }) {
    if (data.card === 'stolen') throw new NonRetryableError('card reported stolen');
  }
}

describe('the dead-letter hook', () => {
  it('tells the app each time a message is parked, and stops after unsubscribing', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [EventsTestingModule.forRoot({ service: 'pay' })],
      providers: [Payments],
    }).compile();
    const app = await moduleRef.init();
    const harness = app.get(EventsTestHarness);
    const notices: DeadLetteredNotice[] = [];
    const stop = app.get(DeadLetterService).onDeadLettered((n) => notices.push(n));
    const { id } = await harness.publish('Payment.requested', { card: 'stolen' });
    await harness.publish('Payment.requested', { card: 'fine' });
    await harness.waitForIdle();
    expect(notices).toEqual([
      {
        queue: 'pay.Payments.charge',
        handler: 'Payments.charge',
        id,
        type: 'Payment.requested',
        reason: 'non-retryable',
        attempts: 1,
        error: expect.any(NonRetryableError),
      },
    ]);
    stop();
    await harness.publish('Payment.requested', { card: 'stolen' });
    await harness.waitForIdle();
    expect(notices).toHaveLength(1);
    await app.close();
  });
});
