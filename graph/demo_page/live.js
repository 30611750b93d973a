// GraphQL subscriptions over one WebSocket with the graphql-transport-ws protocol: all a
// storefront needs of it, so that no client library has to be fetched.
// https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md

const REFUSED = 4403; // the server closes with this when connection_init's key opens nothing

export function liveConnection(url, connectionPayload, onState) {
  const subscriptions = new Map(); // id -> { query, variables, next, error }
  let socket = null;
  let acknowledged = false;
  let failures = 0;

  const send = (message) => socket.send(JSON.stringify(message));
  const start = (id, { query, variables }) =>
    send({ id, type: "subscribe", payload: { query, variables } });

  function open() {
    onState("connecting");
    socket = new WebSocket(url, "graphql-transport-ws");
    acknowledged = false;
    // Browsers cannot set headers on a WebSocket: the key travels in connection_init.
    socket.onopen = () => send({ type: "connection_init", payload: connectionPayload });
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      const subscription = subscriptions.get(message.id);
      switch (message.type) {
        case "connection_ack":
          acknowledged = true;
          failures = 0;
          onState("connected");
          // Every message is the whole current state, so starting again loses nothing.
          subscriptions.forEach((value, id) => start(id, value));
          break;
        case "ping":
          send({ type: "pong" });
          break;
        case "next":
          subscription?.next(message.payload.data, message.payload.errors);
          break;
        case "error":
          subscription?.error(message.payload);
          subscriptions.delete(message.id);
          break;
        case "complete":
          // The server ends subscriptions when it shuts down and then closes the socket; the
          // reconnect below subscribes again, so the subscription is kept.
          break;
      }
    };
    socket.onclose = (event) => {
      if (event.code === REFUSED) return onState("refused");
      onState("reconnecting");
      // Back off, so that a restarting server is not flooded: 0.5 s, 1 s, 2 s … 15 s.
      setTimeout(open, Math.min(15000, 500 * 2 ** failures++));
    };
  }

  return {
    subscribe(id, query, variables, next, error = () => {}) {
      const subscription = { query, variables, next, error };
      subscriptions.set(id, subscription);
      if (!socket) open();
      else if (acknowledged) start(id, subscription);
    },
    unsubscribe(id) {
      if (subscriptions.delete(id) && acknowledged) send({ id, type: "complete" });
    },
  };
}
