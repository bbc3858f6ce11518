import { ON_EVENT_METADATA } from '../constants.js';
import type { OnEventOptions } from '../interfaces/on-event-options.interface.js';

export interface OnEventMetadata {
  patterns: string[];
  options: OnEventOptions;
}

/**
 * Subscribes a provider method to events whose type matches `pattern` (`*` = one segment, `#` = zero
 * or more). On a class, the class's `handle(data, ctx)` method is the handler (queue `{service}.{Class}`).
 * Stackable: several decorators on one method bind its one queue to several patterns.
 */
export function OnEvent(pattern: string | string[], options: OnEventOptions = {}): MethodDecorator & ClassDecorator {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const holder = descriptor ? (descriptor.value as object) : target;
    const existing = Reflect.getMetadata(ON_EVENT_METADATA, holder) as OnEventMetadata | undefined;
    const patterns = Array.isArray(pattern) ? pattern : [pattern];
    const merged: OnEventMetadata = existing
      ? { patterns: [...patterns, ...existing.patterns], options: { ...options, ...existing.options } }
      : { patterns, options };
    Reflect.defineMetadata(ON_EVENT_METADATA, merged, holder);
    return descriptor as never;
  };
}
