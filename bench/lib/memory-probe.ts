/**
 * Preloaded into a server a benchmark spawns (node --expose-gc --import this): on SIGUSR2
 * it runs a full GC and prints one `memory {...}` line with the heap used and the
 * resident set size after it, so the benchmark reads the heap the live objects take, not
 * whatever garbage the last collection left.
 */
process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  const m = process.memoryUsage()
  process.stdout.write(`memory ${JSON.stringify({ heapUsed: m.heapUsed, heapTotal: m.heapTotal, rss: m.rss, external: m.external, gc: gc !== undefined })}\n`)
})
