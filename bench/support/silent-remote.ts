import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';

/**
 * A git remote that accepts connections and never answers: a clone from it waits for
 * ever, and so does every job queued behind it in its repo's lane.
 */
export async function silentRemote(): Promise<{ url: string; close(): void }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `git://127.0.0.1:${port}/held.git`,
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}
