/**
 * Map of event type → payload type. Apps extend it by declaration merging:
 *
 * ```ts no-check
 * declare module 'nestjs-amqp-events' {
 *   interface EventMap { 'Order.created': { id: string; total: number } }
 * }
 * ```
 *
 * While it is empty, any string is an event type and payloads are the caller's. Once it has an entry,
 * `publish`, `publishAll` and `ctx.publish` accept only its types (a typo is a compile error) with
 * their payloads, and `@OnEvent(pattern)` checks the handler's payload against the matching types.
 * Types the map does not know go through `dynamicEvent(type)`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface EventMap {}

declare const dynamicEventBrand: unique symbol;

/** An event type chosen at run time, outside `EventMap` (see `dynamicEvent()`); its payload is unchecked. */
export type DynamicEventType = string & { readonly [dynamicEventBrand]: true };

/** The event types of the map, as strings. */
export type KnownEventType = keyof EventMap & string;

/** What `publish` accepts as an event type: any string while `EventMap` is empty, else its keys or a `DynamicEventType`. */
export type EventType = [KnownEventType] extends [never] ? string : KnownEventType | DynamicEventType;

/** Payload type of event `K`: from `EventMap` when declared, else `T`. */
export type EventPayload<K extends string, T = unknown> = K extends KnownEventType ? EventMap[K] : T;

type Segments<S extends string> = S extends `${infer Head}.${infer Rest}` ? [Head, ...Segments<Rest>] : [S];

type SegmentsMatch<P extends string[], T extends string[]> = P extends [
  infer PH extends string,
  ...infer PR extends string[],
]
  ? PH extends '#'
    ? SegmentsMatch<PR, T> extends true
      ? true
      : T extends [string, ...infer TR extends string[]]
        ? SegmentsMatch<P, TR>
        : false
    : T extends [infer TH extends string, ...infer TR extends string[]]
      ? PH extends '*'
        ? SegmentsMatch<PR, TR>
        : [PH, TH] extends [TH, PH]
          ? SegmentsMatch<PR, TR>
          : false
      : false
  : T extends []
    ? true
    : false;

/** The `EventMap` types a routing pattern matches (`*` = one segment, `#` = zero or more). */
export type MatchingEventTypes<P extends string> = {
  [K in KnownEventType]: SegmentsMatch<Segments<P>, Segments<K>> extends true ? K : never;
}[KnownEventType];

/**
 * Payload a handler of `pattern` receives: the union of the matching `EventMap` payloads, or `never`
 * when the map knows no matching type (then any parameter type is accepted: the payload is unchecked).
 */
export type PatternPayload<P extends string> = [MatchingEventTypes<P>] extends [never]
  ? never
  : EventMap[MatchingEventTypes<P>];

/**
 * Marks a type name chosen at run time (from a message, a config file) as a valid event type for
 * `publish()` once `EventMap` is declared. Its payload is not checked.
 */
export function dynamicEvent(type: string): DynamicEventType {
  return type as DynamicEventType;
}
