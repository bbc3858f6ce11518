// Reference for the consumer-RSS figure: the peak RSS of a Nest application context with an empty
// module (no EventsModule, no connection), i.e. what any Nest consumer process starts from.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

class EmptyModule {}
Module({})(EmptyModule);
const app = await NestFactory.createApplicationContext(EmptyModule, { logger: false });
await app.init();
const maxRssMiB = process.resourceUsage().maxRSS / 1024;
await app.close();
process.stdout.write(JSON.stringify({ maxRssMiB }));
