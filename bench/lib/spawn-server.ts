import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'

export interface Spawned {
  child: ChildProcess
  url: string
  output: () => string
  stop(): Promise<number | null>
}

/** Starts a server process and waits for its "listening on <url>" line. */
export async function spawnServer(args: string[], env: NodeJS.ProcessEnv = {}, options: { startTimeoutMs?: number } = {}): Promise<Spawned> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (d) => (output += d))
  child.stderr!.on('data', (d) => (output += d))
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" line:\n${output}`)), options.startTimeoutMs ?? 30_000)
    child.stdout!.on('data', () => {
      const match = /listening on (http:\/\/[\d.:]+)/.exec(output)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    void exited.then((code) => reject(new Error(`exited (${code}) before listening:\n${output}`)))
  })
  return {
    child, url, output: () => output,
    async stop() {
      child.kill('SIGTERM')
      return exited
    },
  }
}
