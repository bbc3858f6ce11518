import type { PublishOptions, PublishReceipt } from '../interfaces/publish-options.interface.js';
import type { EventPublisher } from '../publisher/event-publisher.js';
import type { SagaStepContext } from './saga-definition.interface.js';
import { executionId } from './saga-messages.js';
import type { SagaState } from './saga.store.js';

/** Builds what a step's execute/compensate receives; its publish() ids are deterministic per run. */
export function createStepContext(
  publisher: EventPublisher,
  s: SagaState,
  index: number,
  kind: 'execute' | 'compensate',
  attempt: number,
  maxAttempts: number,
  stepName: string,
): SagaStepContext {
  const execId = executionId(s.id, index, stepName, kind);
  let n = 0;
  return {
    sagaId: s.id,
    sagaName: s.name,
    step: stepName,
    executionId: execId,
    attempt,
    maxAttempts,
    correlationId: s.correlationId,
    publish<E>(type: string, data: E, options: PublishOptions = {}): Promise<PublishReceipt> {
      n += 1;
      return publisher.publish(type, data, {
        correlationId: s.correlationId,
        id: `${execId}:${n}`,
        ...options,
      });
    },
  };
}
