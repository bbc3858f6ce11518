import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
} from '@opentelemetry/sdk-metrics';
import { EventsMetrics } from './events-metrics.js';

describe('EventsMetrics.observeQueueDepth', () => {
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 3_600_000,
  });
  const provider = new MeterProvider({ readers: [reader] });
  beforeAll(() => metrics.setGlobalMeterProvider(provider));
  afterAll(async () => {
    await provider.shutdown();
    metrics.disable();
  });

  async function points(name: string): Promise<Array<DataPoint<number>>> {
    const { resourceMetrics } = await reader.collect();
    return resourceMetrics.scopeMetrics.flatMap((s) =>
      s.metrics
        .filter((m) => m.descriptor.name === name)
        .flatMap((m) => m.dataPoints as Array<DataPoint<number>>),
    );
  }

  it('reports the depth and consumers of each queue the source reads, labelled by service and queue, until stopped', async () => {
    const m = new EventsMetrics('billing');
    let depth = 3;
    const stop = m.observeQueueDepth(async () => [
      { queue: 'billing.A.b', messages: depth, consumers: 2 },
      { queue: 'billing.A.c', messages: 0 },
    ]);
    expect((await points('events.queue.depth')).map((p) => [p.attributes, p.value])).toEqual([
      [{ service: 'billing', queue: 'billing.A.b' }, 3],
      [{ service: 'billing', queue: 'billing.A.c' }, 0],
    ]);
    expect((await points('events.queue.consumers')).map((p) => [p.attributes.queue, p.value])).toEqual([
      ['billing.A.b', 2],
    ]);
    depth = 7;
    expect(
      (await points('events.queue.depth')).find((p) => p.attributes.queue === 'billing.A.b')?.value,
    ).toBe(7);
    stop();
    depth = 9;
    const after = await points('events.queue.depth');
    expect(after.filter((p) => p.attributes.service === 'billing' && p.value === 9)).toEqual([]);
  });

  it('skips a collection when the source fails, without breaking the reader', async () => {
    const m = new EventsMetrics('shipping');
    const stop = m.observeQueueDepth(() => {
      throw new Error('broker unreachable');
    });
    const depth = await points('events.queue.depth');
    expect(depth.filter((p) => p.attributes.service === 'shipping')).toEqual([]);
    stop();
  });
});
