import { ON_EVENT_METADATA } from '../constants.js';
import type { PatternPayload } from '../interfaces/event-map.interface.js';
import type { OnEventOptions } from '../interfaces/on-event-options.interface.js';

export interface OnEventMetadata {
  patterns: string[];
  options: OnEventOptions;
  /** Set when stacked decorators on one method disagree on an option: registration fails naming it. */
  conflict?: string;
}

/** The first option two stacked decorators set to different values, or undefined. */
function conflictingOption(a: OnEventOptions, b: OnEventOptions): string | undefined {
  for (const key of Object.keys(a) as Array<keyof OnEventOptions>) {
    if (a[key] === undefined || b[key] === undefined) continue;
    if (
      JSON.stringify(a[key]) !== JSON.stringify(b[key]) ||
      (typeof a[key] === 'function' && a[key] !== b[key])
    ) {
      return key;
    }
  }
  return undefined;
}

/**
 * What `@OnEvent(pattern)` returns: on a method, the method's payload parameter must accept `D` (the
 * payloads of the `EventMap` types the pattern matches; anything when it matches none). The context
 * parameter is not constrained: a projection's handler takes a ProjectionContext. On a class,
 * its `handle(data, ctx)` method is the handler.
 */
export interface OnEventDecorator<D> {
  <F extends (data: D, ctx: never) => unknown>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<F>,
  ): void;
  (target: abstract new (...args: never[]) => object): void;
}

/**
 * Subscribes a provider method to events whose type matches `pattern` (`*` = one segment, `#` = zero
 * or more). On a class, the class's `handle(data, ctx)` method is the handler (queue `{service}.{Class}`).
 * Stackable: several decorators on one method bind its one queue to several patterns; their options
 * must agree (an option set to two different values fails at startup, naming it).
 */
export function OnEvent<const P extends string>(
  pattern: P | readonly P[],
  options: OnEventOptions = {},
): OnEventDecorator<PatternPayload<P>> {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    const holder = descriptor ? (descriptor.value as object) : target;
    const existing = Reflect.getMetadata(ON_EVENT_METADATA, holder) as OnEventMetadata | undefined;
    const patterns: string[] = typeof pattern === 'string' ? [pattern] : [...pattern];
    let merged: OnEventMetadata = { patterns, options };
    if (existing) {
      const clash = existing.conflict ?? conflictingOption(options, existing.options);
      merged = {
        patterns: [...patterns, ...existing.patterns],
        options: { ...options, ...existing.options },
      };
      if (clash) merged.conflict = clash;
    }
    Reflect.defineMetadata(ON_EVENT_METADATA, merged, holder);
  };
}
