// Cost of payload encryption per event (AES-256-GCM seal + open of a ~300-byte JSON payload), in
// process, no broker: `node bench/encryption.bench.mjs` after `npm run build:lib`.
import { randomBytes } from 'node:crypto';
import { PayloadCipher } from '../libs/events/dist/runtime/payload-cipher.js';
import { resolveEncryption } from '../libs/events/dist/options/resolve-extensions.js';

const cipher = new PayloadCipher(resolveEncryption({ keys: { k1: randomBytes(32) }, currentKeyId: 'k1' }));
const payload = Buffer.from(JSON.stringify({ id: 'order-12345', customer: { name: 'Ada Lovelace', email: 'ada@example.com' }, lines: Array.from({ length: 4 }, (_, i) => ({ sku: `sku-${i}`, quantity: i + 1, unitPrice: 9.99 })), currency: 'EUR', placedAt: new Date().toISOString() }));
const n = Number(process.env.N ?? 100_000);
const results = [];
for (let round = 0; round < 5; round++) {
  let t = process.hrtime.bigint();
  const sealed = [];
  for (let i = 0; i < n; i++) sealed.push(cipher.seal(payload, `evt-${i}`, 'Order.created').content);
  const sealUs = Number(process.hrtime.bigint() - t) / 1000 / n;
  t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) cipher.open(sealed[i], 'k1', `evt-${i}`, 'Order.created');
  const openUs = Number(process.hrtime.bigint() - t) / 1000 / n;
  results.push({ sealUs, openUs });
}
const med = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`payload ${payload.length} B, ${n} events × 5 rounds: seal median ${med(results.map((r) => r.sealUs)).toFixed(2)} µs/event, open median ${med(results.map((r) => r.openUs)).toFixed(2)} µs/event`);
