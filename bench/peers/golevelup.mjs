// @golevelup/nestjs-rabbitmq 9 doing the bench's job: AmqpConnection.publish() (confirmed, through
// amqp-connection-manager) and one @RabbitSubscribe handler (auto-ack after the handler returns).
// Lives in bench/peers/ so that its imports resolve to the peers' own node_modules (Nest 11).
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AmqpConnection, RabbitMQModule, RabbitSubscribe } from '@golevelup/nestjs-rabbitmq';
import { randomUUID } from 'node:crypto';

function rabbitModule(args, extra = {}) {
  return RabbitMQModule.forRoot({
    uri: args.url,
    exchanges: [{ name: args.exchange, type: 'topic', options: { durable: true } }],
    connectionInitOptions: { wait: true },
    prefetchCount: args.prefetch,
    ...extra,
  });
}

export async function publisher(args) {
  class PeerPublisherModule {}
  Module({ imports: [rabbitModule(args)] })(PeerPublisherModule);
  const app = await NestFactory.createApplicationContext(PeerPublisherModule, { logger: ['error', 'warn'] });
  const amqp = app.get(AmqpConnection);
  return {
    onDrain() {
      // amqp-connection-manager buffers while the socket drains
    },
    send(routingKey, event, done) {
      amqp
        .publish(args.exchange, routingKey, event, { persistent: true, contentType: 'application/json', messageId: randomUUID() })
        .then(() => done(), done);
      return true;
    },
    close: () => app.close(),
  };
}

export async function consumer(args, record) {
  class PeerHandler {
    onEvent(data) {
      record(data);
    }
  }
  const proto = PeerHandler.prototype;
  RabbitSubscribe({ exchange: args.exchange, routingKey: args.eventType, queue: args.queue, queueOptions: { durable: true } })(
    proto,
    'onEvent',
    Object.getOwnPropertyDescriptor(proto, 'onEvent'),
  );
  Injectable()(PeerHandler);
  class PeerConsumerModule {}
  Module({ imports: [rabbitModule(args)], providers: [PeerHandler] })(PeerConsumerModule);
  const app = await NestFactory.createApplicationContext(PeerConsumerModule, { logger: ['error', 'warn'] });
  await app.init();
  return { close: () => app.close() };
}
