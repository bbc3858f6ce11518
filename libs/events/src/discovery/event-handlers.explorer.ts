import { Inject, Injectable, Logger } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { ON_EVENT_METADATA, PROJECTION_METADATA, RESOLVED_EVENTS_OPTIONS, SERVICE_PLACEHOLDER } from '../constants.js';
import { HandlerRegistrationError } from '../errors/handler-registration.error.js';
import type { OnEventMetadata } from '../decorators/on-event.decorator.js';
import type { HandlerRegistration } from '../consumer/handler-registration.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import { resolveRetryPolicy } from '../options/resolve-options.js';
import { validateOnEventOptions } from '../options/on-event-options.validation.js';
import { patternProblem } from '../routing/routing-pattern.js';
import { names } from '../topology/topology-names.js';
import type { EventContext } from '../interfaces/event-context.interface.js';

const QUEUE_RE = /^[A-Za-z0-9_.:-]{1,200}$/;

/** Finds `@OnEvent` handlers among the app's providers and returns them as registrations (data). */
@Injectable()
export class EventHandlersExplorer {
  private readonly logger = new Logger('EventsModule');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    @Inject(RESOLVED_EVENTS_OPTIONS) private readonly options: ResolvedEventsOptions,
  ) {}

  explore(): HandlerRegistration[] {
    const out: HandlerRegistration[] = [];
    const queues = new Map<string, string>();
    for (const wrapper of this.discovery.getProviders()) {
      const metatype = wrapper.metatype as (new (...a: never[]) => object) | undefined;
      if (!metatype || typeof metatype !== 'function' || !metatype.prototype || wrapper.isAlias) continue;
      // a projection's @OnEvent methods are fed from the event store by its projector, not from a queue
      if (Reflect.getMetadata(PROJECTION_METADATA, metatype)) continue;
      const found: Array<{ method: string; meta: OnEventMetadata; classLevel: boolean }> = [];
      const classMeta = Reflect.getMetadata(ON_EVENT_METADATA, metatype) as OnEventMetadata | undefined;
      if (classMeta) found.push({ method: 'handle', meta: classMeta, classLevel: true });
      for (const method of this.scanner.getAllMethodNames(metatype.prototype)) {
        const fn = (metatype.prototype as Record<string, unknown>)[method];
        const meta = typeof fn === 'function' ? (Reflect.getMetadata(ON_EVENT_METADATA, fn) as OnEventMetadata | undefined) : undefined;
        if (meta) found.push({ method, meta, classLevel: false });
      }
      if (found.length === 0) continue;
      const className = metatype.name;
      if (!wrapper.isDependencyTreeStatic()) {
        throw new HandlerRegistrationError(
          `${className}.${found[0].method}`,
          'the provider is request-scoped (or depends on one); event handlers need a singleton provider. Remove `scope: Scope.REQUEST` or move the handler to a singleton.',
        );
      }
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance) continue;
      for (const f of found) {
        const name = `${className}.${f.method}`;
        const fn = instance[f.method];
        if (typeof fn !== 'function') {
          throw new HandlerRegistrationError(name, `@OnEvent on a class needs a handle(data, ctx) method`);
        }
        out.push(this.register(name, className, f, fn as (d: unknown, c: EventContext) => unknown, instance, queues));
      }
    }
    return out;
  }

  private register(
    name: string,
    className: string,
    f: { method: string; meta: OnEventMetadata; classLevel: boolean },
    fn: (d: unknown, c: EventContext) => unknown,
    instance: object,
    queues: Map<string, string>,
  ): HandlerRegistration {
    if (f.meta.conflict) {
      throw new HandlerRegistrationError(name, `stacked @OnEvent decorators set \`${f.meta.conflict}\` to different values; set it on one of them only`);
    }
    validateOnEventOptions(name, f.meta.options);
    const service = this.options.service;
    const patterns = f.meta.patterns.map((p) => p.split(SERVICE_PLACEHOLDER).join(service));
    const options = f.meta.options.queue ? { ...f.meta.options, queue: f.meta.options.queue.split(SERVICE_PLACEHOLDER).join(service) } : f.meta.options;
    for (const p of patterns) {
      const problem = patternProblem(p);
      if (problem) throw new HandlerRegistrationError(name, `pattern ${JSON.stringify(p)} ${problem}`);
    }
    const queue = options.queue ?? names.handlerQueue(this.options.service, className, f.classLevel ? undefined : f.method);
    if (!QUEUE_RE.test(queue)) throw new HandlerRegistrationError(name, `queue name ${JSON.stringify(queue)} must be 1..200 of letters, digits and . _ : -`);
    const other = queues.get(queue);
    if (other) {
      throw new HandlerRegistrationError(name, `queue "${queue}" is already used by ${other}; give one of them a distinct \`queue\` option`);
    }
    queues.set(queue, name);
    let retry;
    try {
      retry =
        options.retry === false
          ? { ...this.options.retry, maxAttempts: 1 }
          : options.retry
            ? resolveRetryPolicy(`@OnEvent(${name}).retry`, options.retry, this.options.retry)
            : undefined;
    } catch (e) {
      throw new HandlerRegistrationError(name, (e as Error).message);
    }
    const prefetch = options.prefetch ?? this.options.prefetch;
    if (!Number.isInteger(prefetch) || prefetch < 1 || prefetch > 65535) {
      throw new HandlerRegistrationError(name, `prefetch must be an integer from 1 to 65535, got ${JSON.stringify(options.prefetch)}`);
    }
    if ((options.idempotent || options.transactional) && !this.options.persistence) {
      throw new HandlerRegistrationError(name, '`idempotent` and `transactional` need EventsModule `persistence` (a TypeORM DataSource)');
    }
    this.logger.log(`${name} ← ${patterns.join(', ')} [${queue}]`);
    return { name, queue, patterns, options, retry, prefetch, invoke: (data, ctx) => fn.call(instance, data, ctx) };
  }
}
