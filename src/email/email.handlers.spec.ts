import { jest } from '@jest/globals';
import { Test, type TestingModule } from '@nestjs/testing';
import { EventsTestHarness, EventsTestingModule } from 'nestjs-amqp-events/testing';
import { EventFlowRecorder } from '../flow/event-flow.recorder.js';
import type { OrderCreated } from '../orders/order.events.js';
import { EmailHandlers, FLAKY_MAIL_DOMAIN } from './email.handlers.js';

/** A user's handler unit test, as docs/testing.md shows it: no broker, fake timers drive the backoff. */
describe('EmailHandlers (on the memory transport)', () => {
  let moduleRef: TestingModule;
  let events: EventsTestHarness;

  const order = (email: string): OrderCreated => ({
    id: 'order-1',
    customer: { name: 'Ada', email },
    lines: [{ sku: 'book', quantity: 1, unitPrice: 12.5 }],
    currency: 'EUR',
    placedAt: '2026-11-27T10:00:00.000Z',
  });

  beforeEach(async () => {
    jest.useFakeTimers();
    moduleRef = await Test.createTestingModule({
      imports: [EventsTestingModule.forRoot()],
      providers: [EmailHandlers, { provide: EventFlowRecorder, useValue: new EventFlowRecorder() }],
    }).compile();
    await moduleRef.init();
    events = moduleRef.get(EventsTestHarness);
  });

  afterEach(async () => {
    await moduleRef.close();
    jest.useRealTimers();
  });

  it('sends the confirmation and publishes Email.sent caused by the order', async () => {
    const { id } = await events.publish('Order.created', order('ada@example.com'), { correlationId: 'c-1' });
    await events.waitForIdle();

    const sent = events.published.find((e) => e.type === 'Email.sent');
    expect(sent).toMatchObject({
      data: { orderId: 'order-1', to: 'ada@example.com' },
      correlationId: 'c-1',
      causationId: id,
    });
    expect(events.deliveriesTo('EmailHandlers.sendConfirmation')).toMatchObject([
      { attempt: 1, outcome: 'handled' },
    ]);
  });

  it('retries a flaky SMTP server after 300 ms, only for this handler', async () => {
    await events.publish('Order.created', order(`bob${FLAKY_MAIL_DOMAIN}`));
    await jest.advanceTimersByTimeAsync(0);
    expect(events.deliveriesTo('EmailHandlers.sendConfirmation')).toMatchObject([
      { attempt: 1, outcome: 'retried', delayMs: 300 },
    ]);
    expect(events.published.some((e) => e.type === 'Email.sent')).toBe(false);

    await jest.advanceTimersByTimeAsync(299);
    expect(events.deliveriesTo('EmailHandlers.sendConfirmation')).toHaveLength(1); // never early

    await jest.advanceTimersByTimeAsync(1);
    await events.waitForIdle();
    expect(events.deliveriesTo('EmailHandlers.sendConfirmation')).toMatchObject([
      { attempt: 1 },
      { attempt: 2, outcome: 'handled' },
    ]);
    expect(events.published.filter((e) => e.type === 'Email.sent')).toHaveLength(1);
    expect(events.deadLettered).toEqual([]);
  });
});
