// Runs inside the private network namespace of Portkey's gateway (unshare -rn), where the only
// network is that namespace's own loopback. Unix domain sockets are files, so they reach across
// network namespaces: this relays byte for byte
//   <dir>/gateway.sock              -> 127.0.0.1:<gatewayPort> (Portkey, in the namespace)
//   127.0.0.1:<port> (namespace)    -> <dir>/upstream-<port>.sock (the test's upstream, outside)
// so the test reaches Portkey, and Portkey reaches the test's fakes at the same URL Switchboard
// uses. Prints "bridge ready" once every listener is bound.
//
//   node bridge.mjs <dir> <gatewayPort> <upstreamPort>...
import net from 'node:net';
import path from 'node:path';

const [dir, gatewayPort, ...upstreamPorts] = process.argv.slice(2);

function relay(client, connectTo) {
  const server = net.connect(connectTo);
  client.pipe(server);
  server.pipe(client);
  client.on('error', () => server.destroy());
  server.on('error', () => client.destroy());
  client.on('close', () => server.destroy());
  server.on('close', () => client.destroy());
}

function listen(where, connectTo) {
  return new Promise((resolve, reject) => {
    const server = net.createServer((client) => relay(client, connectTo));
    server.on('error', reject);
    server.listen(where, resolve);
  });
}

await listen(path.join(dir, 'gateway.sock'), { host: '127.0.0.1', port: Number(gatewayPort) });
for (const port of upstreamPorts) {
  await listen({ host: '127.0.0.1', port: Number(port) }, { path: path.join(dir, `upstream-${port}.sock`) });
}
console.log('bridge ready');
