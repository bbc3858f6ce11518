import type { PipeTransform, Type } from '@nestjs/common';
import { HANDLER_ARGS_METADATA } from '../constants.js';

/** Parameter kinds of an `@OnEvent` handler (numbers as Nest's pipes expect: 3 = the body). */
export const EventParamType = { PAYLOAD: 3, CONTEXT: 6 } as const;

export interface HandlerParamMetadata {
  index: number;
  data: string | undefined;
  pipes: Array<PipeTransform | Type<PipeTransform>>;
}

export type HandlerArgsMetadata = Record<string, HandlerParamMetadata>;

function defineParam(
  type: number,
  data: string | undefined,
  pipes: Array<PipeTransform | Type<PipeTransform>>,
): ParameterDecorator {
  return (target, key, index) => {
    if (key === undefined) return;
    const ctor = target.constructor;
    const args = {
      ...((Reflect.getMetadata(HANDLER_ARGS_METADATA, ctor, key) as HandlerArgsMetadata | undefined) ?? {}),
    };
    args[`${type}:${index}`] = { index, data, pipes };
    Reflect.defineMetadata(HANDLER_ARGS_METADATA, args, ctor, key);
  };
}

/**
 * The event's payload (or one property of it) as a handler parameter, with pipes:
 * `onCreated(@EventData(new ValidationPipe()) order: OrderDto)`. Without any parameter decorator,
 * a handler receives `(payload, ctx)` and pipes (`@UsePipes`, global pipes) apply to the payload.
 */
export function EventData(
  propertyOrPipe?: string | PipeTransform | Type<PipeTransform>,
  ...pipes: Array<PipeTransform | Type<PipeTransform>>
): ParameterDecorator {
  if (typeof propertyOrPipe === 'string' || propertyOrPipe === undefined)
    return defineParam(EventParamType.PAYLOAD, propertyOrPipe, pipes);
  return defineParam(EventParamType.PAYLOAD, undefined, [propertyOrPipe, ...pipes]);
}

/** The `EventContext` as a handler parameter (for handlers whose payload parameter is not first). */
export function EventCtx(): ParameterDecorator {
  return defineParam(EventParamType.CONTEXT, undefined, []);
}

/** `(payload, ctx)`: what a handler without parameter decorators receives. */
export const DEFAULT_HANDLER_ARGS: HandlerArgsMetadata = {
  [`${EventParamType.PAYLOAD}:0`]: { index: 0, data: undefined, pipes: [] },
  [`${EventParamType.CONTEXT}:1`]: { index: 1, data: undefined, pipes: [] },
};
