import { EventsError } from './events.error.js';

export interface TopologyMismatchDetails {
  /** What differs, e.g. `queue "q" exists with x-max-priority=10, but this service declares x-max-priority not set`. */
  difference?: string;
  /** The argument the broker reported first. */
  argument?: string;
  /** Arguments this service declares for the object. */
  declaredArguments?: Record<string, unknown>;
  /** How to migrate. */
  advice?: string;
}

/** A queue or exchange exists with arguments other than the ones this service declares. */
export class TopologyMismatchError extends EventsError {
  readonly argument: string | undefined;
  readonly declaredArguments: Record<string, unknown> | undefined;

  constructor(
    readonly objectName: string,
    readonly brokerMessage: string,
    details: TopologyMismatchDetails = {},
  ) {
    const declared = details.declaredArguments
      ? ` This service declares it with ${JSON.stringify(details.declaredArguments)}.`
      : '';
    super(
      `RabbitMQ refused to re-declare "${objectName}": ${details.difference ?? brokerMessage}.${declared} ` +
        (details.advice ??
          `The existing object was declared with other settings (for example queueType or priority changed). ` +
            `To migrate: drain the queue, delete it (rabbitmqctl delete_queue ${objectName}), and restart the service; see docs/operations.md#changing-queue-arguments.`) +
        ` (broker: ${brokerMessage})`,
    );
    this.argument = details.argument;
    this.declaredArguments = details.declaredArguments;
  }
}
