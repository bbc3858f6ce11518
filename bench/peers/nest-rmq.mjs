// Nest's own RMQ transport (@nestjs/microservices 11) doing the bench's job on a topic exchange with a
// wildcard binding: ClientRMQ.emit() (confirmed, persistent) and an @EventPattern('Bench.*') handler
// that acks by hand (noAck: false). Lives in bench/peers/ so that it resolves the peers' Nest 11.
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientsModule, Ctx, EventPattern, Payload, Transport } from '@nestjs/microservices';

const CLIENT = 'BENCH_RMQ_CLIENT';

/** Client side: emit() publishes to the topic exchange with the pattern as routing key. */
function clientOptions(args) {
  return { urls: [args.url], queue: args.queue, queueOptions: { durable: true }, exchange: args.exchange, exchangeType: 'topic', wildcards: true, persistent: true };
}

/** Server side: consumes the queue bound with the handler's pattern, acking by hand. */
function serverOptions(args) {
  return { ...clientOptions(args), noAck: false, prefetchCount: args.prefetch };
}

export async function publisher(args) {
  class PeerPublisherModule {}
  Module({ imports: [ClientsModule.register([{ name: CLIENT, transport: Transport.RMQ, options: clientOptions(args) }])] })(PeerPublisherModule);
  const app = await NestFactory.createApplicationContext(PeerPublisherModule, { logger: ['error', 'warn'] });
  const client = app.get(CLIENT);
  await client.connect();
  return {
    onDrain() {
      // amqp-connection-manager buffers while the socket drains
    },
    send(routingKey, event, done) {
      client.emit(routingKey, event).subscribe({ complete: () => done(), error: done });
      return true;
    },
    close: () => app.close(),
  };
}

export async function consumer(args, record) {
  class PeerController {
    onEvent(data, ctx) {
      record(data);
      ctx.getChannelRef().ack(ctx.getMessage());
    }
  }
  const proto = PeerController.prototype;
  Payload()(proto, 'onEvent', 0);
  Ctx()(proto, 'onEvent', 1);
  EventPattern(args.pattern)(proto, 'onEvent', Object.getOwnPropertyDescriptor(proto, 'onEvent'));
  Controller()(PeerController);
  class PeerConsumerModule {}
  Module({ controllers: [PeerController] })(PeerConsumerModule);
  const app = await NestFactory.createMicroservice(PeerConsumerModule, { transport: Transport.RMQ, options: serverOptions(args), logger: ['error', 'warn'] });
  await app.listen();
  return { close: () => app.close() };
}
