import { main } from './main.js'

// The process entry: `linkprint` (bin/) runs the built copy of this file, tests run it through tsx.
const code = await main(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
})
process.exitCode = code
