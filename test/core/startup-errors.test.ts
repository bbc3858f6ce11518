import { jest } from '@jest/globals';
import { Injectable, Scope } from '@nestjs/common';
import { HandlerRegistrationError, InvalidOptionsError, OnEvent } from 'nestjs-amqp-events';
import { createEventsApp } from '../support/app.js';
import { deleteTopology, uniqueName } from '../support/broker.js';
import { CaptureLogger } from '../support/capture-logger.js';

jest.setTimeout(20_000);

/** Every string an error exposes: message, stack and causes. */
function errorText(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let i = 0; cur && i < 5; i++) {
    const err = cur as Error & { cause?: unknown };
    parts.push(String(err), err.message ?? '', err.stack ?? '');
    cur = err.cause;
  }
  return parts.join('\n');
}

async function startupError(run: () => Promise<unknown>): Promise<Error> {
  try {
    const app = (await run()) as { close(): Promise<void> };
    await app.close();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected startup to fail, but the application started');
}

describe('startup fails fast with typed errors', () => {
  const exchange = uniqueName('startup');
  const service = uniqueName('svc');

  afterAll(async () => {
    await deleteTopology(exchange, [`${service}.A.one`, `${service}.B.two`, 'shared-queue']);
  });

  it.each([
    ['prefetch', { prefetch: 0 }],
    ['service', { service: 'has spaces' }],
    ['uri', { uri: 'http://localhost:5672' }],
    ['retry.maxAttempts', { retry: { maxAttempts: 0 } }],
    ['publishTimeoutMs', { publishTimeoutMs: -5 }],
    ['queueType', { queueType: 'stream' }],
  ])('rejects a bad %s with InvalidOptionsError naming the option', async (option, bad) => {
    const err = await startupError(() => createEventsApp({ exchange, service, ...(bad as object) }));
    expect(err).toBeInstanceOf(InvalidOptionsError);
    expect((err as InvalidOptionsError).option).toBe(option);
    expect(err.message).toContain(`"${option}"`);
  });

  it('rejects a request-scoped handler provider with HandlerRegistrationError', async () => {
    @Injectable({ scope: Scope.REQUEST })
    class PerRequest {
      @OnEvent('Order.created')
      onCreated() {}
    }
    const err = await startupError(() => createEventsApp({ exchange, service }, [PerRequest]));
    expect(err).toBeInstanceOf(HandlerRegistrationError);
    expect((err as HandlerRegistrationError).handler).toBe('PerRequest.onCreated');
    expect(err.message).toMatch(/request-scoped/);
  });

  it('rejects two handlers sharing one queue name with HandlerRegistrationError', async () => {
    @Injectable()
    class A {
      @OnEvent('Order.created', { queue: 'shared-queue' })
      one() {}
    }
    @Injectable()
    class B {
      @OnEvent('Order.paid', { queue: 'shared-queue' })
      two() {}
    }
    const err = await startupError(() => createEventsApp({ exchange, service }, [A, B]));
    expect(err).toBeInstanceOf(HandlerRegistrationError);
    expect(err.message).toContain('shared-queue');
    expect(err.message).toMatch(/A\.one/);
  });
});

describe('credentials never reach logs or errors', () => {
  const password = 'Sup3r-Secret-pw_81x';

  it('masks the password when the broker is unreachable at startup', async () => {
    const logger = new CaptureLogger();
    const started = Date.now();
    const err = await startupError(() =>
      createEventsApp(
        {
          exchange: uniqueName('creds'),
          service: uniqueName('svc'),
          uri: [`amqp://admin:${password}@127.0.0.1:1/vhost`, `amqp://other:${password}@127.0.0.1:2`],
          startupTimeoutMs: 1500,
          connectTimeoutMs: 300,
          reconnectDelayMs: 100,
        },
        [],
        { logger },
      ),
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    const text = `${errorText(err)}\n${logger.text()}`;
    expect(text).not.toContain(password);
    expect(err.message).toContain('127.0.0.1:1');
    expect(err.message).toContain('***');
    // the failure was logged (connect attempts), and masked there too
    expect(logger.lines.some((l) => /127\.0\.0\.1:1/.test(l.text))).toBe(true);
  });

  it('masks the password when the broker refuses the login', async () => {
    const logger = new CaptureLogger();
    const err = await startupError(() =>
      createEventsApp(
        {
          exchange: uniqueName('creds'),
          service: uniqueName('svc'),
          uri: `amqp://guest:${password}@127.0.0.1:5672`,
          startupTimeoutMs: 1500,
          reconnectDelayMs: 200,
        },
        [],
        { logger },
      ),
    );
    expect(`${errorText(err)}\n${logger.text()}`).not.toContain(password);
    expect(err.message).toContain('guest:***@127.0.0.1:5672');
  });

  it('logs the connected broker with the password masked', async () => {
    const logger = new CaptureLogger();
    const exchange = uniqueName('creds');
    const app = await createEventsApp(
      { exchange, service: uniqueName('svc'), uri: 'amqp://guest:guest@127.0.0.1:5672' },
      [],
      { logger },
    );
    await app.close();
    await deleteTopology(exchange);
    expect(logger.text()).toContain('guest:***@127.0.0.1:5672');
    expect(logger.text()).not.toContain('guest:guest');
  });
});
