/**
 * A comlink endpoint over a Node MessagePort or Worker: maps Node's `on('message')` to the
 * DOM-style `addEventListener` comlink expects, wrapping data in a `MessageEvent`.
 */
import type { Endpoint } from 'comlink';

interface NodePortLike {
  postMessage(message: unknown, transfer?: readonly unknown[]): void;
  on(event: 'message', listener: (data: unknown) => void): unknown;
  off(event: 'message', listener: (data: unknown) => void): unknown;
  start?: () => void;
}

/** A listener as comlink registers it (a function or an object with `handleEvent`). */
type Listener = NonNullable<Parameters<Endpoint['addEventListener']>[1]>;

export function nodeEndpoint(port: NodePortLike): Endpoint {
  const listeners = new WeakMap<Listener, (data: unknown) => void>();
  return {
    postMessage: (message: unknown, transfer?: readonly unknown[]) => port.postMessage(message, transfer),
    addEventListener: (_type: string, listener: Listener | null) => {
      if (!listener) return;
      const wrapped = (data: unknown) => {
        // A real MessageEvent, as comlink reads `event.data`; control calls only, never rows.
        const event = new MessageEvent('message', { data });
        if (typeof listener === 'function') listener(event);
        else listener.handleEvent(event);
      };
      port.on('message', wrapped);
      listeners.set(listener, wrapped);
    },
    removeEventListener: (_type: string, listener: Listener | null) => {
      const wrapped = listener ? listeners.get(listener) : undefined;
      if (!listener || !wrapped) return;
      port.off('message', wrapped);
      listeners.delete(listener);
    },
    ...(port.start ? { start: () => port.start?.() } : {}),
  };
}
