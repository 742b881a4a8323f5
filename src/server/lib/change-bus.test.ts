import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ChangeBus, type Change } from './change-bus.js';

describe('the change bus', () => {
  it('hands each change to the handlers of its kind only, in order of subscription', () => {
    const bus = new ChangeBus();
    const heard: string[] = [];
    bus.on('stage', (c) => heard.push(`a:${c.kind}:${c.moves}`));
    bus.on(['stage', 'segment'], (c) => heard.push(`b:${c.kind}`));
    bus.publish({ kind: 'stage', workspaceId: 1, scope: 'customer', subjectIds: [1], moves: 2 });
    bus.publish({ kind: 'segment', workspaceId: 1, customerIds: [1], entered: 1, exited: 0 });
    bus.publish({ kind: 'events', workspaceId: 1, customerIds: [1] });
    assert.deepEqual(heard, ['a:stage:2', 'b:stage', 'b:segment']);
  });

  it('a handler that throws is reported and the others still hear the change', () => {
    const failures: Array<[string, string]> = [];
    const bus = new ChangeBus((err, change) => failures.push([(err as Error).message, change.kind]));
    let heard = 0;
    bus.on('events', () => {
      throw new Error('boom');
    });
    bus.on('events', () => heard++);
    bus.publish({ kind: 'events', workspaceId: 1, customerIds: [] });
    assert.equal(heard, 1);
    assert.deepEqual(failures, [['boom', 'events']]);
  });

  it('unsubscribing stops a handler from every kind it listened to', () => {
    const bus = new ChangeBus();
    const heard: Change['kind'][] = [];
    const off = bus.on(['journeys', 'messages-queued'], (c) => heard.push(c.kind));
    bus.publish({ kind: 'journeys', workspaceId: 1 });
    off();
    bus.publish({ kind: 'journeys', workspaceId: 1 });
    bus.publish({ kind: 'messages-queued', workspaceId: 1 });
    assert.deepEqual(heard, ['journeys']);
    assert.equal(bus.listeners('journeys'), 0);
  });
});
