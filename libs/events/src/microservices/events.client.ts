import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { RequestSender } from '../delivery/request-sender.js';
import { EventValidationError } from '../errors/event-validation.error.js';
import type { PublishReceipt } from '../interfaces/publish-options.interface.js';
import { resolveOptions } from '../options/resolve-options.js';
import type { ResolvedEventsOptions } from '../options/resolved-options.js';
import type { EventPublisher } from '../publisher/event-publisher.js';
import { createEventsRuntime, type EventsRuntime } from '../runtime/events-runtime.js';
import type { EventsClientOptions } from './events-transport.options.js';

interface Connected {
  runtime: EventsRuntime;
  publisher: EventPublisher;
  sender: RequestSender;
}

/**
 * A @nestjs/microservices ClientProxy over this library: `emit(pattern, data)` publishes an event to
 * the topic exchange and completes once the broker confirmed it (emitting the PublishReceipt);
 * `send(pattern, data)` sends a request to `{exchange}.commands` and emits the handler's reply, or
 * errors with RemoteExecutionError / NoRemoteHandlerError (nobody serves the pattern: at once) /
 * DeliveryTimeoutError (after `timeoutMs`). Use directly, or `ClientsModule.register([{ name,
 * customClass: EventsClient, options }])`.
 */
export class EventsClient extends ClientProxy {
  private readonly resolved: ResolvedEventsOptions;
  private readonly timeoutMs: number | undefined;
  private connecting: Promise<Connected> | undefined;

  constructor(options: EventsClientOptions) {
    super();
    const { timeoutMs, ...moduleOptions } = options;
    this.resolved = resolveOptions(moduleOptions);
    this.timeoutMs = timeoutMs;
  }

  connect(): Promise<Connected> {
    if (!this.connecting) {
      this.connecting = (async () => {
        const runtime = await createEventsRuntime(this.resolved);
        try {
          await runtime.start();
        } catch (e) {
          await runtime.stop(0).catch(() => undefined);
          throw e;
        }
        this._status$.next('connected');
        return {
          runtime,
          publisher: runtime.publisher,
          sender: new RequestSender(runtime.transport, runtime.waiter, this.resolved),
        };
      })();
      this.connecting.catch(() => (this.connecting = undefined));
    }
    return this.connecting;
  }

  async close(): Promise<void> {
    const pending = this.connecting;
    this.connecting = undefined;
    if (!pending) return;
    const c = await pending.catch(() => undefined);
    if (!c) return;
    await c.runtime.stop(this.resolved.shutdownTimeoutMs);
    this._status$.next('disconnected');
  }

  unwrap<T>(): T {
    return this.connecting as T;
  }

  protected async dispatchEvent<T = PublishReceipt>(packet: ReadPacket): Promise<T> {
    const { publisher } = await this.connect();
    return (await publisher.publish(this.route(packet.pattern), packet.data)) as T;
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    let active = true;
    this.connect()
      .then(({ sender }) =>
        sender.request(this.route(packet.pattern), packet.data, { timeoutMs: this.timeoutMs }),
      )
      .then(
        (response) => active && callback({ response, isDisposed: true }),
        (err: unknown) => active && callback({ err }),
      );
    return () => {
      active = false;
    };
  }

  private route(pattern: unknown): string {
    if (typeof pattern !== 'string') {
      throw new EventValidationError(
        'pattern',
        `EventsClient routes string patterns (event/request types), got ${JSON.stringify(pattern)}`,
      );
    }
    return pattern;
  }
}
