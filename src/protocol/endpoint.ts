/**
 * A comlink endpoint over a Node MessagePort or Worker: maps Node's `on('message')` to the
 * DOM-style `addEventListener` comlink expects, wrapping data as `{ data }`.
 */
import type { Endpoint } from 'comlink';

interface NodePortLike {
  postMessage(message: unknown, transfer?: readonly unknown[]): void;
  on(event: 'message', listener: (data: unknown) => void): unknown;
  off(event: 'message', listener: (data: unknown) => void): unknown;
  start?: () => void;
}

type Listener = ((event: { data: unknown }) => void) | { handleEvent(event: { data: unknown }): void };

export function nodeEndpoint(port: NodePortLike): Endpoint {
  const listeners = new WeakMap<Listener, (data: unknown) => void>();
  return {
    postMessage: (message: unknown, transfer?: readonly unknown[]) => port.postMessage(message, transfer),
    addEventListener: (_type: string, listener: Listener) => {
      const wrapped = (data: unknown) => {
        if (typeof listener === 'function') listener({ data });
        else listener.handleEvent({ data });
      };
      port.on('message', wrapped);
      listeners.set(listener, wrapped);
    },
    removeEventListener: (_type: string, listener: Listener) => {
      const wrapped = listeners.get(listener);
      if (!wrapped) return;
      port.off('message', wrapped);
      listeners.delete(listener);
    },
    start: port.start ? () => port.start?.() : undefined,
  } as unknown as Endpoint;
}
