/**
 * Map of event type → payload type. Apps extend it by declaration merging to get type-checked publishes:
 *
 * ```ts
 * declare module 'nestjs-amqp-events' {
 *   interface EventMap { 'Order.created': { id: string; total: number } }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface EventMap {}

/** Payload type of event `K`: from `EventMap` when declared, else the caller's `T`. */
export type EventPayload<K extends string, T = unknown> = K extends keyof EventMap ? EventMap[K] : T;
