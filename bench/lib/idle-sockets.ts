// A helper process of bench/faults.ts: opens argv[3] idle sockets to 127.0.0.1:argv[2], prints how many connected, then holds them until killed.
import { openIdleSockets } from '../../test/helpers/socket-flood.js'

const flood = await openIdleSockets(Number(process.argv[2]), Number(process.argv[3]))
// Sockets the server closed at once (past its cap) are gone by now; count those still open.
await new Promise((resolve) => setTimeout(resolve, 1_000))
console.log(`connected ${flood.connected} open ${flood.sockets.filter((s) => !s.destroyed).length}`)
setInterval(() => {}, 60_000)
