// A user's app, compiled against the packed tarball by test/package/pack-install.test.ts. Not part of
// the repository's own TypeScript program (.mts, outside its include).
import { Injectable, Module } from '@nestjs/common';
import { EventsModule, OnEvent, type EventContext } from 'nestjs-amqp-events';

export const received: Array<{ data: unknown; id: string }> = [];
let notify: (() => void) | undefined;
export const firstDelivery = new Promise<void>((resolve) => (notify = resolve));

@Injectable()
export class PackHandlers {
  @OnEvent('Pack.checked', { retry: { maxAttempts: 2 } })
  onChecked(data: { ok: boolean }, ctx: EventContext): void {
    received.push({ data, id: ctx.id });
    notify?.();
  }
}

@Module({
  imports: [
    EventsModule.forRoot({
      uri: process.env.AMQP_URL ?? 'amqp://localhost:5672',
      transport: process.env.PACK_TRANSPORT === 'memory' ? 'memory' : 'amqp',
      service: process.env.PACK_SERVICE ?? 'pack',
      exchange: process.env.PACK_EXCHANGE ?? 'events',
    }),
  ],
  providers: [PackHandlers],
})
export class AppModule {}
