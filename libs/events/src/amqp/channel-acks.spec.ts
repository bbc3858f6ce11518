import type { Channel, ConsumeMessage } from 'amqplib';
import type { InboundMessage } from '../transport/events-transport.js';
import { ChannelAcks } from './channel-acks.js';

function msg(tag: number): ConsumeMessage {
  return {
    fields: { deliveryTag: tag },
    properties: {},
    content: Buffer.alloc(0),
  } as unknown as ConsumeMessage;
}
const inbound = (tag: number) => ({ properties: { messageId: `m${tag}` } }) as unknown as InboundMessage;

function setup() {
  const frames: string[] = [];
  const channel = {
    ack: (m: ConsumeMessage, allUpTo = false) =>
      frames.push(`${allUpTo ? 'ack≤' : 'ack'}${m.fields.deliveryTag}`),
    nack: (m: ConsumeMessage) => frames.push(`nack${m.fields.deliveryTag}`),
  } as unknown as Channel;
  let current = true;
  const lost: string[] = [];
  const acks = new ChannelAcks(
    channel,
    () => current,
    (m) => lost.push(String(m.properties.messageId)),
  );
  return { acks, frames, lost, close: () => (current = false) };
}
const turn = () => new Promise((r) => setImmediate(r));

describe('ChannelAcks', () => {
  it('sends the acks of one turn as one ack with multiple when nothing older is still open', async () => {
    const { acks, frames } = setup();
    for (const t of [1, 2, 3, 4]) acks.delivered(msg(t));
    for (const t of [2, 1, 4, 3]) acks.ack(msg(t), inbound(t));
    expect(frames).toEqual([]); // nothing before the turn ends
    await turn();
    expect(frames).toEqual(['ack≤4']);
  });

  it('never covers a delivery still running: acks above it go one by one', async () => {
    const { acks, frames } = setup();
    for (const t of [1, 2, 3, 4, 5]) acks.delivered(msg(t));
    for (const t of [1, 2, 4, 5]) acks.ack(msg(t), inbound(t)); // 3 is still running
    await turn();
    expect(frames.sort()).toEqual(['ack4', 'ack5', 'ack≤2'].sort());
    acks.ack(msg(3), inbound(3));
    await turn();
    expect(frames.at(-1)).toBe('ack≤3');
  });

  it('a delivery given back no longer holds back the acks after it', async () => {
    const { acks, frames } = setup();
    for (const t of [1, 2, 3]) acks.delivered(msg(t));
    acks.requeue(msg(1));
    acks.ack(msg(2), inbound(2));
    acks.ack(msg(3), inbound(3));
    await turn();
    expect(frames).toEqual(['nack1', 'ack≤3']);
  });

  it('reports the acks as lost, and sends nothing, when the channel is gone before they go out', async () => {
    const { acks, frames, lost, close } = setup();
    for (const t of [1, 2]) acks.delivered(msg(t));
    acks.ack(msg(1), inbound(1));
    acks.ack(msg(2), inbound(2));
    close();
    await turn();
    expect(frames).toEqual([]);
    expect(lost).toEqual(['m1', 'm2']);
  });

  it('does not wait for the turn to end on a prefetch-1 channel (nothing else can arrive before the ack)', () => {
    const frames: string[] = [];
    const channel = {
      ack: (m: ConsumeMessage, allUpTo = false) =>
        frames.push(`${allUpTo ? 'ack≤' : 'ack'}${m.fields.deliveryTag}`),
    } as unknown as Channel;
    const acks = new ChannelAcks(
      channel,
      () => true,
      () => undefined,
      false,
    );
    acks.delivered(msg(1));
    acks.ack(msg(1), inbound(1));
    expect(frames).toEqual(['ack≤1']);
  });

  it('flush() sends at once (before a channel is closed on shutdown)', () => {
    const { acks, frames } = setup();
    acks.delivered(msg(1));
    acks.ack(msg(1), inbound(1));
    acks.flush();
    expect(frames).toEqual(['ack≤1']);
  });
});
