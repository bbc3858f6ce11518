import type { QueueType } from '../interfaces/events-module-options.interface.js';

/** Every broker object name the library uses, derived from the exchange and queue names. */
export const names = {
  /** The alternate (fanout) exchange of `{exchange}`, and the classic queue bound to it. */
  unrouted: (exchange: string) => `${exchange}.unrouted`,
  /**
   * The queue keeping unrouted events: classic services keep them in `{exchange}.unrouted`, quorum
   * services in the quorum queue `{exchange}.unrouted.quorum`; both are bound to the same fanout.
   */
  unroutedQueue: (exchange: string, queueType: QueueType = 'classic') =>
    queueType === 'quorum' ? `${exchange}.unrouted.quorum` : `${exchange}.unrouted`,
  deadLetterExchange: (exchange: string) => `${exchange}.dlx`,
  retryExchange: (exchange: string) => `${exchange}.retry`,
  /**
   * Headers exchange and TTL queue of delay level k (holds 2^k ms); they share the name. Two families
   * under `{exchange}.delay.*`: classic `.delay.NN`, quorum `.delay.qNN` (a queue's type is fixed).
   */
  delayLevel: (exchange: string, k: number, queueType: QueueType = 'classic') =>
    `${exchange}.delay.${queueType === 'quorum' ? 'q' : ''}${String(k).padStart(2, '0')}`,
  delayOut: (exchange: string) => `${exchange}.delay.out`,
  deadLetterQueue: (queue: string) => `${queue}.dlq`,
  handlerQueue: (service: string, className: string, method?: string) =>
    method ? `${service}.${className}.${method}` : `${service}.${className}`,
};
