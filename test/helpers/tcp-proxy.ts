import { once } from 'node:events'
import { createConnection, createServer, type Socket } from 'node:net'

/**
 * A TCP proxy in front of a real service (PostgreSQL, Redis) that a test can cut, stall
 * and restore, as a network would: `cut()` resets every open connection and refuses new
 * ones; `stall()` keeps connections open but moves no byte either way (a dead route);
 * `restore()` lets traffic through again (stalled bytes flow on).
 */
export interface TcpProxy {
  readonly port: number
  readonly connections: number
  cut(): void
  stall(): void
  restore(): void
  close(): Promise<void>
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: 'open' | 'cut' | 'stalled' = 'open'
  const pairs = new Set<[Socket, Socket]>()
  const server = createServer((client) => {
    if (mode === 'cut') return void client.resetAndDestroy()
    const upstream = createConnection(target)
    const pair: [Socket, Socket] = [client, upstream]
    pairs.add(pair)
    const end = () => {
      pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
    client.pipe(upstream)
    upstream.pipe(client)
    if (mode === 'stalled') hold(pair)
  })
  const hold = ([a, b]: [Socket, Socket]) => {
    a.unpipe(b)
    b.unpipe(a)
    a.pause()
    b.pause()
  }
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    port: (server.address() as { port: number }).port,
    get connections() {
      return pairs.size
    },
    cut() {
      mode = 'cut'
      for (const [a, b] of pairs) {
        a.resetAndDestroy()
        b.destroy()
      }
      pairs.clear()
    },
    stall() {
      mode = 'stalled'
      for (const pair of pairs) hold(pair)
    },
    restore() {
      if (mode === 'stalled') {
        for (const [a, b] of pairs) {
          a.pipe(b)
          b.pipe(a)
        }
      }
      mode = 'open'
    },
    async close() {
      for (const [a, b] of pairs) {
        a.destroy()
        b.destroy()
      }
      pairs.clear()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
