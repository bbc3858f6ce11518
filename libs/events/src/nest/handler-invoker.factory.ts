import { Injectable } from '@nestjs/common';
import {
  EXCEPTION_FILTERS_METADATA,
  GUARDS_METADATA,
  INTERCEPTORS_METADATA,
  PIPES_METADATA,
} from '@nestjs/common/constants.js';
import { DiscoveryService, ExternalContextCreator } from '@nestjs/core';
import { isObservable, lastValueFrom, type Observable } from 'rxjs';
import { HANDLER_ARGS_METADATA } from '../constants.js';
import {
  DEFAULT_HANDLER_ARGS,
  EventParamType,
  type HandlerArgsMetadata,
} from '../decorators/event-params.decorator.js';
import type { EventContext } from '../interfaces/event-context.interface.js';

type Invoke = (data: unknown, ctx: EventContext) => unknown;

const ENHANCER_KEYS = [GUARDS_METADATA, INTERCEPTORS_METADATA, PIPES_METADATA, EXCEPTION_FILTERS_METADATA];
const APP_ENHANCER_TOKEN = /^APP_(GUARD|INTERCEPTOR|PIPE|FILTER)\b/;

/** Hands Nest's pipes the payload (`@EventData('prop')`: one property of it) or the context. */
const paramsFactory = {
  exchangeKeyForValue(type: number, data: unknown, args: unknown[]): unknown {
    const value =
      type === EventParamType.PAYLOAD ? args[0] : type === EventParamType.CONTEXT ? args[1] : undefined;
    if (typeof data === 'string' && data && value !== null && typeof value === 'object')
      return (value as Record<string, unknown>)[data];
    return value;
  },
};

/**
 * Wraps an `@OnEvent` method in Nest's request pipeline, as `@EventPattern` handlers are: guards,
 * interceptors, pipes (on the payload) and exception filters apply, with the execution context type
 * `'rpc'` (`host.switchToRpc().getData()` is the payload, `getContext()` the EventContext). A guard
 * that refuses throws ForbiddenException (dead-lettered, non-retryable); a ValidationPipe's
 * BadRequestException parks the event as `invalid` with the messages in `x-error-details`.
 * A handler no enhancer can apply to is called directly (module option `enhancers`).
 */
@Injectable()
export class HandlerInvokerFactory {
  private appEnhancers: boolean | undefined;

  constructor(
    private readonly contextCreator: ExternalContextCreator,
    private readonly discovery: DiscoveryService,
  ) {}

  create(instance: object, methodName: string, mode: 'auto' | 'always'): Invoke {
    const ctor = instance.constructor;
    const method = (instance as Record<string, (...a: unknown[]) => unknown>)[methodName];
    const args = Reflect.getMetadata(HANDLER_ARGS_METADATA, ctor, methodName) as
      HandlerArgsMetadata | undefined;
    if (mode === 'auto' && !args && !this.hasEnhancers(ctor, method)) {
      return (data, ctx) => method.call(instance, data, ctx);
    }
    if (!args) Reflect.defineMetadata(HANDLER_ARGS_METADATA, DEFAULT_HANDLER_ARGS, ctor, methodName);
    const handler = this.contextCreator.create(
      instance,
      method,
      methodName,
      HANDLER_ARGS_METADATA,
      paramsFactory,
      undefined,
      undefined,
      undefined,
      'rpc',
    );
    return async (data, ctx) => {
      const result: unknown = await handler(data, ctx);
      // an exception filter may answer with an Observable (RpcExceptionFilter's throwError)
      return isObservable(result)
        ? lastValueFrom(result as Observable<unknown>, { defaultValue: undefined })
        : result;
    };
  }

  private hasEnhancers(ctor: object, method: object): boolean {
    if (
      ENHANCER_KEYS.some(
        (k) => hasItems(Reflect.getMetadata(k, ctor)) || hasItems(Reflect.getMetadata(k, method)),
      )
    )
      return true;
    this.appEnhancers ??= this.discovery
      .getProviders()
      .some((w) => typeof w.token === 'string' && APP_ENHANCER_TOKEN.test(w.token));
    return this.appEnhancers;
  }
}

function hasItems(v: unknown): boolean {
  return Array.isArray(v) && v.length > 0;
}
