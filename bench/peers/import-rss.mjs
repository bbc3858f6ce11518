// RSS after importing Nest 11 (@nestjs/core, @nestjs/common), then @golevelup/nestjs-rabbitmq (see bench/import-rss.mjs).
import 'reflect-metadata';

const mib = () => process.memoryUsage().rss / 2 ** 20;
const r = { start: mib() };
await import('@nestjs/core');
await import('@nestjs/common');
r.nest = mib();
await import('@golevelup/nestjs-rabbitmq');
r.client = mib();
process.stdout.write(JSON.stringify(r));
