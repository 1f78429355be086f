import { setTimeout as sleep } from 'node:timers/promises'

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

/** Redirects fired `concurrency` at a time until stop(); counts the ones answered with a redirect (each owes a stored click). */
export interface ClickLoad {
  readonly answered: number
  /** Answers other than the redirect, by status ('error' for a refused or cut connection). */
  readonly others: Readonly<Record<string, number>>
  stop(): Promise<number>
}

export function startClickLoad(baseUrl: string, slug: string, concurrency: number): ClickLoad {
  let running = true
  let answered = 0
  const others: Record<string, number> = {}
  const worker = async () => {
    while (running) {
      try {
        const res = await fetch(`${baseUrl}/${slug}`, { redirect: 'manual', headers: { 'user-agent': UA }, signal: AbortSignal.timeout(30_000) })
        await res.arrayBuffer()
        if (res.status === 302) answered++
        else others[res.status] = (others[res.status] ?? 0) + 1
      } catch {
        // Never answered: owes no click.
        others.error = (others.error ?? 0) + 1
        await sleep(5)
      }
    }
  }
  const workers = Array.from({ length: concurrency }, worker)
  return {
    get answered() {
      return answered
    },
    others,
    async stop() {
      running = false
      await Promise.all(workers)
      return answered
    },
  }
}

/** Polls `check` until it returns true (an awaited condition, never a fixed sleep); throws with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await Promise.resolve().then(check).catch(() => false)) return
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(everyMs)
  }
}

/** GET of a health route: its status and body. */
export async function health(baseUrl: string, path: '/healthz' | '/healthz/live' | '/healthz/ready'): Promise<{ status: number; body: { status: string; reason?: string }; retryAfter: string | null }> {
  const res = await fetch(baseUrl + path, { signal: AbortSignal.timeout(10_000) })
  return { status: res.status, body: (await res.json()) as { status: string; reason?: string }, retryAfter: res.headers.get('retry-after') }
}
