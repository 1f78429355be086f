import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface ServerProcess {
  readonly child: ChildProcess
  readonly baseUrl: string
  readonly output: () => string
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>
  /** The bootstrap admin's API key, printed once at the first start on an empty database. */
  readonly adminKey: string | undefined
  /** True while the process runs. */
  alive(): boolean
}

/** The real `linkprint serve`, as a separate process on a free port. */
export async function startServerProcess(env: NodeJS.ProcessEnv): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', 'serve'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', SECRET: 'server-process-test-secret', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (d) => (output += d))
  child.stderr!.on('data', (d) => (output += d))
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  const baseUrl = await new Promise<string>((resolve, reject) => {
    // Generous: tsx compiles the sources at start, and the machine may be loaded.
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 60_000)
    const check = () => {
      const match = /listening on (http:\/\/[\d.:]+)/.exec(output)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve(match[1])
      }
    }
    child.stdout!.on('data', check)
    void exited.then(() => reject(new Error(`server exited before listening:\n${output}`)))
  })
  const adminKey = /API key:\s+(\S+)/.exec(output)?.[1]
  return { child, baseUrl, output: () => output, exited, adminKey, alive: () => child.exitCode === null && child.signalCode === null }
}
