import { request } from 'node:http'
import { connect, type Socket } from 'node:net'

/** Opens `count` idle TCP connections to `port` (nothing sent on them); resolves once each connected or was refused. */
export async function openIdleSockets(port: number, count: number, host = '127.0.0.1'): Promise<{ sockets: Socket[]; connected: number; close(): void }> {
  const sockets: Socket[] = []
  let connected = 0
  const batch = 200
  for (let i = 0; i < count; i += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, count - i) }, () => new Promise<void>((resolve) => {
      const socket = connect({ port, host })
      sockets.push(socket)
      socket.on('connect', () => { connected++; resolve() })
      socket.on('error', () => resolve())
      socket.on('close', () => resolve())
    })))
  }
  return { sockets, connected, close: () => { for (const s of sockets) s.destroy() } }
}

/** A GET from another loopback address (a health checker is not the flooding client). */
export function getFrom(localAddress: string, port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, localAddress, agent: false, timeout: 10_000 }, (res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('timeout', () => req.destroy(new Error(`no answer to ${path} from ${localAddress}`)))
    req.on('error', reject)
    req.end()
  })
}

/** Sends a request whose body arrives one byte every `everyMs`; resolves with what the server answered and when it closed. */
export function trickleBody(port: number, everyMs: number, localAddress = '127.0.0.3'): Promise<{ response: string; closedAfterMs: number }> {
  return new Promise((resolve) => {
    const started = performance.now()
    const socket = connect({ port, host: '127.0.0.1', localAddress })
    let response = ''
    let timer: NodeJS.Timeout | undefined
    socket.on('connect', () => {
      socket.write('POST /api/links HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n')
      timer = setInterval(() => socket.write('{'), everyMs)
    })
    socket.on('data', (d) => (response += d))
    socket.on('error', () => {})
    socket.on('close', () => {
      clearInterval(timer)
      resolve({ response, closedAfterMs: performance.now() - started })
    })
  })
}
