import { SpanKind, trace, type Context, type Span } from '@opentelemetry/api';
import type { HandlerRegistration } from '../consumer/handler-registration.js';
import type { EventEnvelope } from '../envelope/envelope.js';

const tracer = trace.getTracer('nestjs-amqp-events');
const CONSUMER_SPAN = { kind: SpanKind.CONSUMER };
const names = new Map<string, string>();

function spanName(type: string): string {
  let name = names.get(type);
  if (name === undefined) {
    name = `${type} process`;
    if (names.size < 1000) names.set(type, name);
  }
  return name;
}

/**
 * The CONSUMER span of one delivery, child of `parent` (the publisher's trace context). Attributes
 * only for a recording span: without an OpenTelemetry SDK a delivery allocates neither them nor a name.
 */
export function startConsumerSpan(
  envelope: EventEnvelope,
  routingKey: string,
  reg: HandlerRegistration,
  transport: 'amqp' | 'memory',
  parent: Context,
): Span {
  const span = tracer.startSpan(spanName(envelope.type), CONSUMER_SPAN, parent);
  if (span.isRecording()) {
    span.setAttributes({
      'messaging.system': transport === 'amqp' ? 'rabbitmq' : 'memory',
      'messaging.operation': 'process',
      'messaging.destination.name': reg.queue,
      'messaging.message.id': envelope.id,
      'messaging.rabbitmq.destination.routing_key': routingKey,
      'nestjs_amqp_events.handler': reg.name,
      'nestjs_amqp_events.attempt': envelope.attempt,
    });
  }
  return span;
}
