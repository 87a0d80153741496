/**
 * Run inside a fresh builder's network namespace (see fresh-builder.ts): listens on
 * 127.0.0.1:PORT there and relays each connection to a unix socket that the harness serves
 * on the host side, which connects on to the host's 127.0.0.1:PORT. So the builder reaches
 * the check's loopback registry at the same address as the main engine, and nothing else.
 *
 * Arguments: `PORT=SOCKET` pairs. Prints `ready` once every port listens.
 */
import net from 'node:net';

/** Pipes two sockets both ways; an error on either closes both. */
export function splice(a: net.Socket, b: net.Socket): void {
  a.pipe(b);
  b.pipe(a);
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
  a.on('close', () => b.destroy());
  b.on('close', () => a.destroy());
}

async function main(pairs: string[]): Promise<void> {
  await Promise.all(pairs.map((pair) => {
    const [port, socket] = pair.split('=');
    if (!port || !socket) throw new Error(`bad relay argument: ${pair}`);
    const server = net.createServer((c) => splice(c, net.connect(socket)));
    return new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(Number(port), '127.0.0.1', resolve);
    });
  }));
  process.stdout.write('ready\n');
}

if (process.argv[1]?.endsWith('loopback-relay.ts')) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
  process.on('SIGTERM', () => process.exit(0));
}
