import { EventsError } from './events.error.js';

/** A queue or exchange exists with arguments other than the ones this service declares. */
export class TopologyMismatchError extends EventsError {
  constructor(
    readonly objectName: string,
    brokerMessage: string,
  ) {
    super(
      `RabbitMQ refused to re-declare "${objectName}" with the arguments this service uses (${brokerMessage}). ` +
        `The existing object was declared with other settings (for example queueType or priority changed). ` +
        `To migrate: drain the queue, delete it (rabbitmqctl delete_queue ${objectName}), and restart the service; ` +
        `see docs/operations.md.`,
    );
  }
}
