/** Every broker object name the library uses, derived from the exchange and queue names. */
export const names = {
  unrouted: (exchange: string) => `${exchange}.unrouted`,
  deadLetterExchange: (exchange: string) => `${exchange}.dlx`,
  retryExchange: (exchange: string) => `${exchange}.retry`,
  /** Headers exchange and TTL queue of delay level k (holds 2^k ms); they share the name. */
  delayLevel: (exchange: string, k: number) => `${exchange}.delay.${String(k).padStart(2, '0')}`,
  delayOut: (exchange: string) => `${exchange}.delay.out`,
  deadLetterQueue: (queue: string) => `${queue}.dlq`,
  handlerQueue: (service: string, className: string, method?: string) =>
    method ? `${service}.${className}.${method}` : `${service}.${className}`,
};
