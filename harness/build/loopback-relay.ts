/**
 * Run inside a private network namespace (a fresh builder's, see fresh-builder.ts, or a
 * grading engine's, see harness/sandbox/isolated-engine.ts): listens on ADDRESS:PORT there
 * and relays each connection to a unix socket that the harness serves on the host side,
 * which connects on to one chosen host address. So a namespace with no route out reaches
 * exactly the ports it is given, and nothing else.
 *
 * Arguments: `[ADDRESS:]PORT=SOCKET` (ADDRESS defaults to 127.0.0.1). More of the same can
 * be sent later on stdin, one per line. Prints `ready` once the arguments' ports listen and
 * `ready PORT` for each port added on stdin.
 */
import net from 'node:net';
import readline from 'node:readline';

/** Pipes two sockets both ways; an error on either closes both. */
export function splice(a: net.Socket, b: net.Socket): void {
  a.pipe(b);
  b.pipe(a);
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
  a.on('close', () => b.destroy());
  b.on('close', () => a.destroy());
}

function listen(pair: string): Promise<number> {
  const m = /^(?:([\d.]+):)?(\d+)=(.+)$/.exec(pair.trim());
  if (!m?.[2] || !m[3]) return Promise.reject(new Error(`bad relay argument: ${pair}`));
  const [address, port, socket] = [m[1] ?? '127.0.0.1', Number(m[2]), m[3]];
  const server = net.createServer((c) => splice(c, net.connect(socket)));
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve(port));
  });
}

async function main(pairs: string[]): Promise<void> {
  await Promise.all(pairs.map(listen));
  process.stdout.write('ready\n');
  readline.createInterface({ input: process.stdin }).on('line', (line) => {
    if (!line.trim()) return;
    listen(line).then((port) => process.stdout.write(`ready ${port}\n`), (e: unknown) => process.stdout.write(`failed ${line}: ${e instanceof Error ? e.message : String(e)}\n`));
  });
}

if (process.argv[1]?.endsWith('loopback-relay.ts')) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
  process.on('SIGTERM', () => process.exit(0));
}
