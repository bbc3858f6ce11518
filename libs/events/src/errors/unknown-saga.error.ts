import { EventsError } from './events.error.js';

/** `start()` named a saga that is not registered in `SagasModule.forRoot({ sagas })`. */
export class UnknownSagaError extends EventsError {
  constructor(
    readonly sagaName: string,
    readonly known: string[],
  ) {
    super(
      `unknown saga "${sagaName}"; registered: ${known.join(', ') || '(none)'}. Add its SagaDefinition to SagasModule.forRoot({ sagas })`,
    );
  }
}
