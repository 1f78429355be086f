import type { Server } from 'node:http'
import type { Socket } from 'node:net'

export interface ConnectionLimitOptions {
  /** Most open connections one address may hold; 0: no limit. */
  readonly perAddress: number
  /** Addresses never limited (the trusted reverse proxies, whose connections carry everyone). */
  readonly exempt: (ip: string) => boolean
  readonly onRefused?: () => void
}

/**
 * A cap on the connections each peer address holds. 21 000 idle keep-alive sockets from
 * one address filled the descriptor limit and every new client was refused, /healthz
 * included; past the cap that address's new sockets are closed at once, and everyone
 * else is still answered. Returns the number of connections open now (a gauge).
 */
export function limitConnectionsPerAddress(server: Server, options: ConnectionLimitOptions): () => number {
  const open = new Map<string, number>()
  let total = 0
  server.on('connection', (socket: Socket) => {
    const ip = socket.remoteAddress ?? ''
    const n = open.get(ip) ?? 0
    if (options.perAddress > 0 && n >= options.perAddress && !options.exempt(ip)) {
      options.onRefused?.()
      socket.destroy()
      return
    }
    open.set(ip, n + 1)
    total++
    socket.once('close', () => {
      total--
      const left = (open.get(ip) ?? 1) - 1
      if (left === 0) open.delete(ip)
      else open.set(ip, left)
    })
  })
  return () => total
}
