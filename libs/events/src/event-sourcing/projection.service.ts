import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { UnknownProjectionError } from '../errors/unknown-projection.error.js';
import { RESOLVED_EVENT_SOURCING_OPTIONS } from './event-sourcing-module.definition.js';
import type { ResolvedEventSourcingOptions } from './event-sourcing.options.js';
import { EventStore } from './event-store.js';
import { ProjectionCheckpointStore, type ProjectionState } from './projection-checkpoint.store.js';
import { ProjectionExplorer } from './projection.explorer.js';
import { Projector } from './projector.js';
import { StoreNotifications } from './store-notifications.js';

export interface ProjectionStatus {
  name: string;
  /** Position of the last applied event. */
  position: number;
  /** Events stored after the checkpoint (head position − checkpoint). */
  lag: number;
  state: ProjectionState;
  error: string | null;
  /** Instance holding the lease (`host:pid:uuid`), or null. */
  leaseOwner: string | null;
  /** True when this app instance is the active projector. */
  activeHere: boolean;
}

/** Runs this app's `@Projection` classes; `status()`, `rebuild(name)`, `restart(name)`. */
@Injectable()
export class ProjectionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ProjectionService');
  private readonly owner = `${hostname()}:${process.pid}:${randomUUID()}`;
  private readonly projectors = new Map<string, Projector>();
  private readonly checkpoints: ProjectionCheckpointStore;
  private readonly notifications: StoreNotifications;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly explorer: ProjectionExplorer,
    @Inject(RESOLVED_EVENT_SOURCING_OPTIONS) private readonly options: ResolvedEventSourcingOptions,
  ) {
    this.checkpoints = new ProjectionCheckpointStore(store.db);
    this.notifications = new StoreNotifications(store.db);
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const def of this.explorer.explore()) {
      await this.checkpoints.ensure(def.name);
      this.projectors.set(
        def.name,
        new Projector(def, this.store, this.checkpoints, this.options.projections, this.owner),
      );
      this.logger.log(
        `${def.className} ← projection "${def.name}" (${def.handlers.map((h) => h.patterns.join('|')).join(', ')})`,
      );
    }
    if (!this.options.projections.enabled || this.projectors.size === 0) return;
    const wake = () => this.projectors.forEach((p) => p.wake());
    this.unsubscribe = this.store.onAppended(wake);
    await this.notifications.listen(wake);
    for (const p of this.projectors.values()) p.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    await Promise.all([...this.projectors.values()].map((p) => p.stop()));
    await this.notifications.close();
  }

  /** Names of this app's projections. */
  names(): string[] {
    return [...this.projectors.keys()];
  }

  /** Every projection known to the database (and this app), with position, lag, state and error. */
  async status(): Promise<ProjectionStatus[]> {
    const head = await this.store.headPosition();
    const rows = await this.checkpoints.list();
    return rows.map((r) => ({
      name: r.name,
      position: r.position,
      lag: Math.max(0, head - r.position),
      state: r.state,
      error: r.error,
      leaseOwner: r.leaseOwner,
      activeHere: r.leaseOwner === this.owner && !!this.projectors.get(r.name)?.active,
    }));
  }

  /**
   * Rebuilds a projection: its active projector (in whichever instance) runs the class's `reset(manager)`
   * hook and sets the checkpoint to zero in one transaction, then replays the store. Resolves once the
   * reset happened (not when the replay caught up: watch `status()`).
   */
  async rebuild(name: string, timeoutMs = 30_000): Promise<void> {
    await this.requireKnown(name);
    await this.checkpoints.setState(name, 'rebuild-requested');
    this.projectors.get(name)?.wake();
    const deadline = Date.now() + timeoutMs;
    while ((await this.checkpoints.get(name))?.state === 'rebuild-requested') {
      if (Date.now() > deadline)
        throw new Error(
          `rebuild of projection "${name}" was not picked up within ${timeoutMs} ms: is an app running it?`,
        );
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * For a health indicator: unhealthy when a projection stopped on a failing event (in any instance).
   * `failed` names each with its error.
   */
  async health(): Promise<{
    healthy: boolean;
    failed: Array<{ name: string; position: number; error: string | null }>;
  }> {
    const failed = (await this.checkpoints.list())
      .filter((r) => r.state === 'failed')
      .map((r) => ({ name: r.name, position: r.position, error: r.error }));
    return { healthy: failed.length === 0, failed };
  }

  /** Restarts a failed projection from its checkpoint (after the handler was fixed). */
  async restart(name: string): Promise<void> {
    await this.requireKnown(name);
    await this.checkpoints.setState(name, 'running');
    this.projectors.get(name)?.wake();
  }

  private async requireKnown(name: string): Promise<void> {
    if (this.projectors.has(name) || (await this.checkpoints.get(name))) return;
    throw new UnknownProjectionError(name, this.names());
  }
}
