/** What the broker said differs when it refused a re-declaration (PRECONDITION_FAILED, 406). */
export interface TopologyMismatch {
  kind: 'queue' | 'exchange';
  name: string;
  /** Argument the broker reported first (`x-queue-type`, `x-max-priority`, `type`, ...). */
  argument: string;
  /** Value on the existing object; undefined = not set. */
  existing: string | undefined;
  /** Value this service declared; undefined = not set. */
  declared: string | undefined;
}

const INEQUIVALENT =
  /inequivalent arg '([^']+)' for (queue|exchange) '([^']+)' in vhost '[^']*': received (.+?) but current is (.+?)"?$/;

/** "the value '10' of type 'byte'" → '10'; "'4'" → '4'; "none" → undefined. */
function brokerValue(text: string): string | undefined {
  const t = text.trim();
  if (t === 'none') return undefined;
  const m = /^(?:the value )?'((?:[^']|'(?! of type))*)'/.exec(t);
  return m ? m[1] : t;
}

/** Parses RabbitMQ's "inequivalent arg" message; undefined when it has another form. */
export function parsePreconditionFailed(brokerMessage: string): TopologyMismatch | undefined {
  const m = INEQUIVALENT.exec(brokerMessage.trim());
  if (!m) return undefined;
  return {
    argument: m[1],
    kind: m[2] as 'queue' | 'exchange',
    name: m[3],
    declared: brokerValue(m[4]),
    existing: brokerValue(m[5]),
  };
}

/** Queue arguments the library sets on quorum queues only (the broker reports them before x-queue-type). */
const QUORUM_ONLY_ARGUMENTS = new Set(['x-dead-letter-strategy', 'x-delivery-limit']);

/**
 * The difference that explains a refusal. The broker names the first inequivalent argument in its own
 * order: a quorum queue re-declared as classic is reported as `x-dead-letter-strategy` (or
 * `x-delivery-limit`) "received none", though what differs is the queue type. Pure.
 */
export function rootMismatch(
  m: TopologyMismatch,
  declaredArguments: Record<string, unknown> | undefined,
): TopologyMismatch {
  if (
    m.kind === 'queue' &&
    QUORUM_ONLY_ARGUMENTS.has(m.argument) &&
    m.existing !== undefined &&
    m.declared === undefined &&
    declaredArguments !== undefined &&
    declaredArguments['x-queue-type'] === undefined
  )
    return { ...m, argument: 'x-queue-type', existing: 'quorum', declared: undefined };
  return m;
}

function show(arg: string, value: string | undefined): string {
  if (value !== undefined) return `${arg}=${value}`;
  return arg === 'x-queue-type' ? `${arg} not set (a classic queue)` : `${arg} not set`;
}

/** One sentence naming what differs. */
export function describeMismatch(m: TopologyMismatch): string {
  return `${m.kind} "${m.name}" exists with ${show(m.argument, m.existing)}, but this service declares ${show(m.argument, m.declared)}`;
}

/** How to get from the existing object to the declared one. */
export function migrationAdvice(m: TopologyMismatch | undefined, objectName: string): string {
  if (m?.kind === 'exchange') {
    return (
      `An exchange's type and arguments cannot change in place: if another application owns "${objectName}", ` +
      `use another \`exchange\` option; otherwise delete it (rabbitmqctl eval or the management UI) while no service publishes, then restart.`
    );
  }
  const keep =
    m?.argument === 'x-max-priority'
      ? m.existing !== undefined
        ? ` Or keep the old setting: \`maxPriority: ${m.existing}\` on this handler (or the module). Queues created before` +
          ` priority queues became opt-in carry x-max-priority=10; without \`maxPriority\` the library now declares none.`
        : ` Or keep the old setting: no \`maxPriority\` on this handler or the module.`
      : m?.argument === 'x-queue-type' || m?.argument === 'x-delivery-limit'
        ? ` Or keep the old setting (the \`queueType\` option this queue was created with).`
        : '';
  return (
    `A queue's type and arguments are fixed when it is created. To migrate: stop the old consumers of "${objectName}", ` +
    `move its waiting messages aside (a shovel to a temporary queue) or let it drain, delete it ` +
    `(rabbitmqctl delete_queue ${objectName}; also ${objectName}.dlq when queueType changes), start the service ` +
    `(it declares the queue with the new arguments), then move the saved messages back.${keep} See docs/operations.md#changing-queue-arguments.`
  );
}
