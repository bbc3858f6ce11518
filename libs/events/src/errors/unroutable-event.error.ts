import { EventsError } from './events.error.js';

/** The broker returned a mandatory publish: no queue was bound for it (and no alternate exchange took it). */
export class UnroutableEventError extends EventsError {
  constructor(
    readonly exchange: string,
    readonly routingKey: string,
    readonly eventId?: string,
  ) {
    super(
      `Event "${routingKey}" (id ${eventId ?? '?'}) was returned by the broker: nothing is bound to it on exchange "${exchange}"`,
    );
  }
}
