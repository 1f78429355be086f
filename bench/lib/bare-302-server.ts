import { createServer } from 'node:http'

// The baseline: the least any Node server can do for a redirect.
const server = createServer((_req, res) => {
  res.writeHead(302, { location: 'https://example.org/' })
  res.end()
})
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  if (address && typeof address === 'object') process.stdout.write(`listening on http://127.0.0.1:${address.port}\n`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
