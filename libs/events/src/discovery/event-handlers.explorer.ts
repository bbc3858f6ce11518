import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { DEFAULT_BUS, ON_EVENT_METADATA, PROJECTION_METADATA } from '../constants.js';
import { HandlerRegistrationError } from '../errors/handler-registration.error.js';
import type { OnEventMetadata } from '../decorators/on-event.decorator.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import { HandlerInvokerFactory } from '../nest/handler-invoker.factory.js';
import { handlerNames } from '../runtime/handler-names.js';
import type { HandlerInput } from '../runtime/handler-registration.builder.js';

interface Found {
  className: string;
  instance: object;
  method: string;
  meta: OnEventMetadata;
  classLevel: boolean;
}

type Wrapper = ReturnType<DiscoveryService['getProviders']>[number];

/**
 * Finds `@OnEvent` handlers among the app's providers and controllers (by instance, so `useClass`,
 * `useFactory` and `useValue` providers are all found) and describes them as HandlerInput data; the
 * registration builder validates and names them, the runtime subscribes them.
 */
@Injectable()
export class EventHandlersExplorer {
  private found: Found[] | undefined;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly invokers: HandlerInvokerFactory,
  ) {}

  /** The handlers of one bus (those whose `bus` option names it; no `bus` = the default bus). */
  handlersFor(options: ResolvedEventsOptions, knownBuses: string[]): HandlerInput[] {
    const all = this.scan();
    for (const f of all) {
      const bus = f.meta.options.bus ?? DEFAULT_BUS;
      if (!knownBuses.includes(bus)) {
        throw new HandlerRegistrationError(
          `${f.className}.${f.method}`,
          `bus "${bus}" is not registered; import EventsModule.forRoot({ name: '${bus}', ... }) (registered: ${knownBuses.join(', ')})`,
        );
      }
    }
    return all
      .filter((f) => (f.meta.options.bus ?? DEFAULT_BUS) === options.name)
      .map((f) => this.toInput(f, options));
  }

  private toInput(f: Found, options: ResolvedEventsOptions): HandlerInput {
    const name = `${f.className}.${f.method}`;
    if (f.meta.conflict) {
      throw new HandlerRegistrationError(
        name,
        `stacked @OnEvent decorators set \`${f.meta.conflict}\` to different values; set it on one of them only`,
      );
    }
    if (typeof (f.instance as Record<string, unknown>)[f.method] !== 'function') {
      throw new HandlerRegistrationError(name, '@OnEvent on a class needs a handle(data, ctx) method');
    }
    return {
      name,
      patterns: f.meta.patterns,
      defaultQueue: handlerNames.onEvent(options.service, f.className, f.classLevel ? undefined : f.method),
      options: f.meta.options,
      invoke: this.invokers.create(f.instance, f.method, options.enhancers),
    };
  }

  /** Every `@OnEvent` handler of the app, once. */
  private scan(): Found[] {
    if (this.found) return this.found;
    const out: Found[] = [];
    const seen = new Set<object>();
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      if (wrapper.isAlias) continue;
      const instance = wrapper.instance as object | null | undefined;
      const ctor =
        instance && typeof instance === 'object'
          ? (instance.constructor as abstract new (...a: never[]) => object)
          : (wrapper.metatype as (abstract new (...a: never[]) => object) | null | undefined);
      if (!ctor || typeof ctor !== 'function' || !ctor.prototype) continue;
      // a projection's @OnEvent methods are fed from the event store by its projector, not from a queue
      if (Reflect.getMetadata(PROJECTION_METADATA, ctor)) continue;
      const methods = this.handlerMethods(ctor);
      if (methods.length === 0) continue;
      this.checkScope(wrapper, ctor.name, methods[0].method);
      if (!instance || typeof instance !== 'object' || seen.has(instance)) continue;
      seen.add(instance);
      for (const m of methods) out.push({ className: ctor.name, instance, ...m });
    }
    this.found = out;
    return out;
  }

  private handlerMethods(
    ctor: abstract new (...a: never[]) => object,
  ): Array<{ method: string; meta: OnEventMetadata; classLevel: boolean }> {
    const found: Array<{ method: string; meta: OnEventMetadata; classLevel: boolean }> = [];
    const classMeta = Reflect.getMetadata(ON_EVENT_METADATA, ctor) as OnEventMetadata | undefined;
    if (classMeta) found.push({ method: 'handle', meta: classMeta, classLevel: true });
    const proto = ctor.prototype as Record<string, unknown>;
    for (const method of this.scanner.getAllMethodNames(proto)) {
      const fn = proto[method];
      const meta =
        typeof fn === 'function'
          ? (Reflect.getMetadata(ON_EVENT_METADATA, fn) as OnEventMetadata | undefined)
          : undefined;
      if (meta) found.push({ method, meta, classLevel: false });
    }
    return found;
  }

  private checkScope(wrapper: Wrapper, className: string, method: string): void {
    if (!wrapper.isDependencyTreeStatic()) {
      throw new HandlerRegistrationError(
        `${className}.${method}`,
        'the provider is request-scoped (or depends on one); event handlers need a singleton provider. Remove `scope: Scope.REQUEST` or move the handler to a singleton.',
      );
    }
  }
}
