import { parseIp } from '../../../src/signals/canonical-ip.js'

/**
 * A minimal MaxMind DB (MMDB v2) writer for tests: npm has readers but no maintained
 * writer, and the geo tier must be testable with exact, stable data rather than
 * whatever this month's DB-IP release says. Supports 32-bit records, IPv4 or IPv6
 * trees, and the data types geo records use (map, string, double, uint, array, bool).
 */
export type MmdbValue = string | number | boolean | MmdbValue[] | { [key: string]: MmdbValue }

export interface MmdbNetwork {
  /** `1.2.3.0/24`, `2001:db8::/32`; IPv4 networks in an IPv6 tree go under ::/96. */
  readonly cidr: string
  readonly data: { [key: string]: MmdbValue }
}

export interface MmdbOptions {
  readonly ipVersion: 4 | 6
  readonly databaseType: string
  readonly networks: readonly MmdbNetwork[]
  readonly buildEpoch?: number
}

type Record = { kind: 'node'; index: number } | { kind: 'empty' } | { kind: 'data'; offset: number }

export function writeMmdb(options: MmdbOptions): Buffer {
  const nodes: Array<[Record, Record]> = [[{ kind: 'empty' }, { kind: 'empty' }]]
  const data: Buffer[] = []
  let dataSize = 0
  for (const network of options.networks) {
    const [bits, length] = networkBits(network.cidr, options.ipVersion)
    const encoded = encode(network.data)
    const offset = dataSize
    data.push(encoded)
    dataSize += encoded.length
    let node = 0
    for (let depth = 0; depth < length; depth++) {
      const bit = bits[depth]!
      if (depth === length - 1) {
        nodes[node]![bit] = { kind: 'data', offset }
        break
      }
      const next = nodes[node]![bit]!
      if (next.kind === 'node') {
        node = next.index
      } else {
        nodes.push([{ kind: 'empty' }, { kind: 'empty' }])
        const index = nodes.length - 1
        nodes[node]![bit] = { kind: 'node', index }
        node = index
      }
    }
  }
  const nodeCount = nodes.length
  const tree = Buffer.alloc(nodeCount * 8)
  nodes.forEach(([left, right], i) => {
    tree.writeUInt32BE(recordValue(left, nodeCount), i * 8)
    tree.writeUInt32BE(recordValue(right, nodeCount), i * 8 + 4)
  })
  const metadata = encode({
    node_count: nodeCount,
    record_size: 32,
    ip_version: options.ipVersion,
    database_type: options.databaseType,
    languages: ['en'],
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: options.buildEpoch ?? 1_767_225_600,
    description: { en: 'linkprint test database' },
  })
  return Buffer.concat([tree, Buffer.alloc(16), ...data, Buffer.from('ABCDEF4D61784D696E642E636F6D', 'hex'), metadata])
}

function recordValue(record: Record, nodeCount: number): number {
  if (record.kind === 'node') return record.index
  if (record.kind === 'empty') return nodeCount
  return nodeCount + 16 + record.offset
}

function networkBits(cidr: string, ipVersion: 4 | 6): [number[], number] {
  const [address, lengthText] = cidr.split('/')
  const parsed = parseIp(address!)
  if (parsed === null) throw new Error(`bad test network ${cidr}`)
  let length = Number(lengthText)
  const bytes: number[] = []
  if (parsed.family === 4) {
    for (const part of parsed.address.split('.')) bytes.push(Number(part))
    if (ipVersion === 6) {
      bytes.unshift(...new Array<number>(12).fill(0))
      length += 96
    }
  } else {
    if (ipVersion === 4) throw new Error('IPv6 network in an IPv4 tree')
    for (const group of parsed.groups) bytes.push(group >>> 8, group & 255)
  }
  const bits: number[] = []
  for (const byte of bytes) for (let i = 7; i >= 0; i--) bits.push((byte >> i) & 1)
  return [bits, length]
}

function control(type: number, size: number): Buffer {
  const head: number[] = []
  let sizeBits: number
  const extra: number[] = []
  if (size < 29) sizeBits = size
  else if (size < 285) {
    sizeBits = 29
    extra.push(size - 29)
  } else if (size < 65_821) {
    sizeBits = 30
    const v = size - 285
    extra.push(v >> 8, v & 255)
  } else {
    sizeBits = 31
    const v = size - 65_821
    extra.push(v >> 16, (v >> 8) & 255, v & 255)
  }
  if (type <= 7) head.push((type << 5) | sizeBits)
  else head.push(sizeBits, type - 7)
  return Buffer.from([...head, ...extra])
}

function uintBytes(value: number): Buffer {
  const bytes: number[] = []
  let v = BigInt(value)
  while (v > 0n) {
    bytes.unshift(Number(v & 255n))
    v >>= 8n
  }
  return Buffer.from(bytes)
}

function encode(value: MmdbValue): Buffer {
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8')
    return Buffer.concat([control(2, bytes.length), bytes])
  }
  if (typeof value === 'boolean') return control(14, value ? 1 : 0)
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0) {
      const bytes = uintBytes(value)
      const type = value <= 0xffff ? 5 : value <= 0xffffffff ? 6 : 9
      return Buffer.concat([control(type, bytes.length), bytes])
    }
    const bytes = Buffer.alloc(8)
    bytes.writeDoubleBE(value)
    return Buffer.concat([control(3, 8), bytes])
  }
  if (Array.isArray(value)) return Buffer.concat([control(11, value.length), ...value.map(encode)])
  const entries = Object.entries(value)
  return Buffer.concat([control(7, entries.length), ...entries.flatMap(([k, v]) => [encode(k), encode(v)])])
}
