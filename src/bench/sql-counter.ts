/**
 * A TCP proxy in front of Postgres that counts the SQL statements clients send, read off the
 * wire: each simple-protocol Query ('Q') and each extended-protocol Execute ('E') is one
 * statement, whichever client library, pool or connection sent it. Benchmarks and tests
 * point the server's DATABASE_URL at it; nothing is estimated.
 */
import net from 'node:net';

export interface SqlCounter {
  /** `url` with host and port replaced by the proxy's. */
  urlFor(url: string): string;
  readonly statements: number;
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;

/** Counts typed messages from a client; the first message(s) of a connection carry no type byte. */
function frontendCounter(onStatement: () => void): (chunk: Buffer) => void {
  let buffered: Buffer = Buffer.alloc(0);
  let startup = true;
  return (chunk) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    for (;;) {
      if (startup) {
        if (buffered.length < 8) return;
        const length = buffered.readInt32BE(0);
        if (buffered.length < length) return;
        const code = buffered.readInt32BE(4);
        buffered = buffered.subarray(length);
        // After an SSL or GSS request the real startup message follows, still untyped.
        if (code !== SSL_REQUEST && code !== GSS_REQUEST) startup = false;
        continue;
      }
      if (buffered.length < 5) return;
      const length = buffered.readInt32BE(1);
      if (buffered.length < length + 1) return;
      const type = String.fromCharCode(buffered[0]);
      if (type === 'Q' || type === 'E') onStatement();
      buffered = buffered.subarray(length + 1);
    }
  };
}

export async function startSqlCounter(target: { host: string; port: number }): Promise<SqlCounter> {
  let statements = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    const count = frontendCounter(() => statements++);
    client.on('data', (chunk) => {
      count(chunk);
      upstream.write(chunk);
    });
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    urlFor(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    get statements() {
      return statements;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
