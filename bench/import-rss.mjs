// RSS of a process after importing Nest 12 (@nestjs/core, @nestjs/common), then this library with amqplib,
// amqp-connection-manager and @opentelemetry/api: separates what Nest costs from what the library adds.
// bench/peers/import-rss.mjs does the same for Nest 11 and @golevelup/nestjs-rabbitmq.
import 'reflect-metadata';

const mib = () => process.memoryUsage().rss / 2 ** 20;
const r = { start: mib() };
await import('@nestjs/core');
await import('@nestjs/common');
r.nest = mib();
await import(new URL('../libs/events/dist/index.js', import.meta.url).href);
r.client = mib();
process.stdout.write(JSON.stringify(r));
