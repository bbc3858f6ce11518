import { Injectable } from '@nestjs/common';
import { ExternalContextCreator } from '@nestjs/core';
import { isObservable, lastValueFrom, type Observable } from 'rxjs';
import { HANDLER_ARGS_METADATA } from '../constants.js';
import { DEFAULT_HANDLER_ARGS, EventParamType } from '../decorators/event-params.decorator.js';
import type { EventContext } from '../interfaces/event-context.interface.js';

type Invoke = (data: unknown, ctx: EventContext) => Promise<unknown>;

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
 */
@Injectable()
export class HandlerInvokerFactory {
  constructor(private readonly contextCreator: ExternalContextCreator) {}

  create(instance: object, methodName: string): Invoke {
    const ctor = instance.constructor;
    if (!Reflect.getMetadata(HANDLER_ARGS_METADATA, ctor, methodName)) {
      Reflect.defineMetadata(HANDLER_ARGS_METADATA, DEFAULT_HANDLER_ARGS, ctor, methodName);
    }
    const method = (instance as Record<string, (...a: unknown[]) => unknown>)[methodName];
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
}
