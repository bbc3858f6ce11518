import { Controller, Injectable, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HandlerRegistrationError, OnEvent, type EventContext } from 'nestjs-amqp-events';
import { EventsTestHarness, EventsTestingModule } from 'nestjs-amqp-events/testing';

const seen: string[] = [];

class FactoryMade {
  @OnEvent('Thing.made') on(_d: unknown, ctx: EventContext) {
    seen.push(`factory:${ctx.queue}`);
  }
}

class ValueGiven {
  @OnEvent('Thing.made') on(_d: unknown, ctx: EventContext) {
    seen.push(`value:${ctx.queue}`);
  }
}

@Controller()
class ThingsController {
  @OnEvent('Thing.made') on(_d: unknown, ctx: EventContext) {
    seen.push(`controller:${ctx.queue}`);
  }
}

async function boot(providers: unknown[], controllers: unknown[] = []) {
  @Module({
    imports: [EventsTestingModule.forRoot({ service: 'disc' })],
    providers: providers as never[],
    controllers: controllers as never[],
  })
  class DiscoveryAppModule {}
  return NestFactory.createApplicationContext(DiscoveryAppModule, {
    logger: process.env.TEST_LOGS ? new Logger() : false,
    abortOnError: false,
  });
}

describe('discovery of @OnEvent handlers', () => {
  beforeEach(() => seen.splice(0));

  it('finds handlers on useFactory and useValue providers and on controllers', async () => {
    const app = await boot(
      [
        { provide: 'MADE_BY_FACTORY', useFactory: () => new FactoryMade() },
        { provide: 'GIVEN_AS_VALUE', useValue: new ValueGiven() },
      ],
      [ThingsController],
    );
    const harness = app.get(EventsTestHarness);
    await harness.publish('Thing.made', {});
    await harness.waitForIdle();
    expect(seen.sort()).toEqual([
      'controller:disc.ThingsController.on',
      'factory:disc.FactoryMade.on',
      'value:disc.ValueGiven.on',
    ]);
    await app.close();
  });

  it('fails at startup, naming the method, when stacked @OnEvent decorators disagree on an option', async () => {
    @Injectable()
    class Conflicted {
      @OnEvent('A.one', { prefetch: 5 })
      @OnEvent('A.two', { prefetch: 10 })
      both() {}
    }
    const err = await boot([Conflicted]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HandlerRegistrationError);
    expect((err as Error).message).toMatch(/Conflicted\.both/);
    expect((err as Error).message).toMatch(/prefetch/);
  });

  it('binds one queue to every pattern of stacked decorators that agree', async () => {
    @Injectable()
    class Stacked {
      @OnEvent('A.one', { retry: false })
      @OnEvent('A.two')
      both(_d: unknown, ctx: EventContext) {
        seen.push(`${ctx.type}@${ctx.queue}:${ctx.maxAttempts}`);
      }
    }
    const app = await boot([Stacked]);
    const harness = app.get(EventsTestHarness);
    await harness.publish('A.one', {});
    await harness.publish('A.two', {});
    await harness.waitForIdle();
    expect(seen.sort()).toEqual(['A.one@disc.Stacked.both:1', 'A.two@disc.Stacked.both:1']);
    await app.close();
  });

  it('fails at startup when a handler names a bus that is not registered', async () => {
    @Injectable()
    class Elsewhere {
      @OnEvent('A.one', { bus: 'audit' }) on() {}
    }
    const err = await boot([Elsewhere]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HandlerRegistrationError);
    expect((err as Error).message).toMatch(/bus "audit" is not registered/);
  });
});
