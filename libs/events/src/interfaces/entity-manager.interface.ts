/**
 * Types the app supplies by declaration merging, so the core needs no TypeORM types. With
 * `persistence`, declare TypeORM's `EntityManager` once (see docs/typed-events.md):
 *
 * ```ts no-check
 * import type { EntityManager } from 'typeorm';
 * declare module 'nestjs-amqp-events' {
 *   interface EventsTypeRegistry { manager: EntityManager }
 * }
 * ```
 *
 * Importing `nestjs-amqp-events/typeorm` does the same.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface EventsTypeRegistry {}

/** `ctx.manager` and `PublishOptions.transaction`: TypeORM's `EntityManager` once registered, else `unknown`. */
export type EventsEntityManager = EventsTypeRegistry extends { manager: infer M } ? M : unknown;
