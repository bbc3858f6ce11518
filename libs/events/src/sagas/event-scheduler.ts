import { Logger } from '@nestjs/common';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { isUniqueViolation } from '../persistence/database-errors.js';
import type { EventPublisher } from '../publisher/event-publisher.js';
import { tickType, type TickMessage } from './saga-messages.js';
import type { SagaStore } from './saga.store.js';
import { ScheduleStore, type Schedule } from './schedule.store.js';

/** A tick later than this past its time at startup is sent again (a duplicate is dropped by the tick check). */
const RESEED_GRACE_MS = 2000;

/**
 * Durable recurring events on the delay infrastructure: one row per schedule and one delayed tick message
 * in flight. A tick fires iff one instance moves the row from tick n to n + 1 (an optimistic update), and
 * that update commits together with the event (id `${name}:${n}`) and the next tick, through the outbox.
 */
export class EventScheduler {
  private readonly logger = new Logger(EventScheduler.name);
  private readonly schedules: ScheduleStore;

  constructor(
    private readonly store: SagaStore,
    private readonly publisher: EventPublisher,
    private readonly service: string,
  ) {
    this.schedules = new ScheduleStore(store);
  }

  /** Fires `type` with `data` every `intervalMs`, first one interval from now. Calling it again with other values redefines it. */
  async every<T>(name: string, intervalMs: number, type: string, data: T): Promise<Schedule<T>> {
    if (typeof name !== 'string' || !/^[A-Za-z0-9_.:-]{1,200}$/.test(name))
      throw new InvalidOptionsError('every.name', "expected letters, digits, '_', '.', ':', '-'");
    if (!Number.isInteger(intervalMs) || intervalMs < 100)
      throw new InvalidOptionsError('every.intervalMs', `expected an integer >= 100, got ${intervalMs}`);
    if (typeof type !== 'string' || type === '' || /[*#]/.test(type))
      throw new InvalidOptionsError('every.type', 'expected an event type (no wildcards)');
    const now = Date.now();
    try {
      await this.store.transaction(async (manager) => {
        const existing = await this.schedules.get(name, manager);
        if (existing) {
          if (
            existing.type !== type ||
            existing.intervalMs !== intervalMs ||
            JSON.stringify(existing.data) !== JSON.stringify(data ?? null)
          )
            await this.schedules.redefine(manager, name, type, data, intervalMs);
          return;
        }
        const s: Schedule = {
          name,
          type,
          data,
          intervalMs,
          nextTick: 1,
          nextAt: new Date(now + intervalMs),
          createdAt: new Date(now),
        };
        await this.schedules.insert(manager, s);
        await this.sendTick(name, 1, intervalMs, manager);
      });
    } catch (e) {
      if (!isUniqueViolation(e)) throw e; // another instance created it at the same moment
    }
    return (await this.schedules.get(name)) as Schedule<T>;
  }

  /** Stops the schedule; its tick in flight is dropped when it arrives. False when there was none. */
  cancel(name: string): Promise<boolean> {
    return this.schedules.delete(name);
  }

  list(): Promise<Schedule[]> {
    return this.schedules.list();
  }

  /** A tick message arrived: fire iff this instance claims the tick. */
  async onTick(msg: TickMessage): Promise<void> {
    const s = await this.schedules.get(msg.schedule);
    if (!s || s.nextTick !== msg.tick) return; // cancelled, or this tick already fired
    const now = Date.now();
    // after downtime, fire the overdue tick once and continue from now (no burst of missed ticks)
    const due = s.nextAt.getTime() + s.intervalMs;
    const nextAt = due > now ? due : now + s.intervalMs;
    await this.store.transaction(async (manager) => {
      if (!(await this.schedules.claimTick(manager, s.name, msg.tick, nextAt))) return;
      await this.publisher.publish(s.type, s.data, {
        transaction: manager,
        id: `${s.name}:${msg.tick}`,
        correlationId: s.name,
      });
      await this.sendTick(s.name, msg.tick + 1, nextAt - now, manager);
    });
  }

  /** Startup: re-sends the tick of every schedule that is overdue (its message lost, or the service was down). */
  async reseed(): Promise<number> {
    let n = 0;
    for (const s of await this.schedules.list()) {
      if (s.nextAt.getTime() + RESEED_GRACE_MS >= Date.now()) continue;
      await this.sendTick(s.name, s.nextTick, 0);
      n += 1;
    }
    if (n > 0) this.logger.log(`re-sent the overdue tick of ${n} schedule(s)`);
    return n;
  }

  private async sendTick(name: string, tick: number, delay: number, manager?: unknown): Promise<void> {
    const msg: TickMessage = { schedule: name, tick };
    await this.publisher.publish(tickType(this.service), msg, {
      id: `${name}:tick:${tick}`,
      delay: Math.max(0, Math.round(delay)),
      ...(manager ? { transaction: manager } : {}),
    });
  }
}
