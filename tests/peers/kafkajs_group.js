#!/usr/bin/env node
// A peer client for the integration tests: kafkajs, which has its own Kafka
// protocol code. Each command prints one JSON object on stdout; kafkajs's own
// errors go to stderr. Exit codes: 0 done, 1 Kafka or client error, 2 usage,
// 3 timeout (the process leaves its group first when it can, then exits).
'use strict'

const { parseArgs } = require('node:util')
const { Kafka, logLevel } = require('kafkajs')

const USAGE = `usage: node kafkajs_group.js COMMAND --bootstrap HOST:PORT --topic T [options]
  consume --group G --count N [--commit-assigned]
      join G as a real member (consumer.run), read exactly N records from the
      beginning, commit them, leave. --commit-assigned also commits every
      assigned partition it read nothing from at its log start (where
      fromBeginning put it), as Java's commitSync() commits every position.
  lag --group G
      what kafkajs's admin reports: fetchOffsets, fetchTopicOffsets (lag =
      high - committed; null where the group never committed) and describeGroups.
  place --keys-json '["k1", ...]'
      send one record per key with kafkajs's default partitioner; where each landed.
  --timeout-s S (default 60): the whole command's limit.`

const EXIT = { ok: 0, error: 1, usage: 2, timeout: 3 }
const LEAVE_GRACE_MS = 5000
const cleanups = [] // disconnects to run before any exit

function usage(message) {
  process.stderr.write(`${message}\n${USAGE}\n`)
  process.exit(EXIT.usage)
}

function parse(argv) {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        bootstrap: { type: 'string' },
        topic: { type: 'string' },
        group: { type: 'string' },
        count: { type: 'string' },
        'commit-assigned': { type: 'boolean', default: false },
        'keys-json': { type: 'string' },
        'timeout-s': { type: 'string', default: '60' },
      },
    })
  } catch (e) {
    usage(e.message)
  }
  const { positionals, values } = parsed
  const command = positionals[0]
  if (positionals.length !== 1 || !COMMANDS[command]) usage(`unknown command: ${positionals.join(' ')}`)
  for (const name of ['bootstrap', 'topic', ...COMMANDS[command].needs]) {
    if (!values[name]) usage(`${command} needs --${name}`)
  }
  const timeoutS = Number(values['timeout-s'])
  if (!(timeoutS > 0)) usage('--timeout-s must be a positive number')
  const count = values.count === undefined ? undefined : Number(values.count)
  if (count !== undefined && !(Number.isInteger(count) && count >= 1)) usage('--count must be a whole number >= 1')
  let keys
  if (values['keys-json'] !== undefined) {
    try {
      keys = JSON.parse(values['keys-json'])
    } catch (e) {
      usage(`--keys-json: ${e.message}`)
    }
    if (!Array.isArray(keys) || !keys.every(k => typeof k === 'string')) usage('--keys-json must be a list of strings')
  }
  return { command, options: { ...values, count, keys, timeoutMs: timeoutS * 1000 } }
}

// kafkajs logs errors only (it retries much at WARN), to stderr: stdout is the JSON answer.
const stderrLog = () => ({ namespace, log }) => {
  process.stderr.write(`kafkajs ${namespace}: ${log.message} ${JSON.stringify({ ...log, message: undefined })}\n`)
}

function client(bootstrap) {
  return new Kafka({
    clientId: 'kdash-peer-kafkajs',
    brokers: bootstrap.split(','),
    logLevel: logLevel.ERROR,
    logCreator: stderrLog,
    connectionTimeout: 3000,
    requestTimeout: 10000,
    retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 2000 },
  })
}

async function withAdmin(kafka, work) {
  const admin = kafka.admin()
  cleanups.push(() => admin.disconnect())
  await admin.connect()
  try {
    return await work(admin)
  } finally {
    await admin.disconnect()
  }
}

async function consume(kafka, { topic, group, count, 'commit-assigned': commitAssigned }) {
  const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 500, retry: { retries: 10 } })
  cleanups.push(() => consumer.disconnect())
  let assigned = []
  let consumed = 0
  const next = new Map() // partition -> the offset after the last record read
  let reached, crashed
  const done = new Promise((resolve, reject) => {
    reached = resolve
    crashed = reject
  })
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    assigned = payload.memberAssignment[topic] || []
  })
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) crashed(payload.error)
  })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false, // records after the Nth stay unread: never resolved, never committed
    eachBatch: async ({ batch, resolveOffset }) => {
      for (const message of batch.messages) {
        if (consumed >= count) return
        consumed += 1
        next.set(batch.partition, BigInt(message.offset) + 1n)
        resolveOffset(message.offset)
        if (consumed === count) {
          consumer.pause([{ topic }])
          reached()
        }
      }
    },
  })
  await done
  const commits = [...next].map(([partition, offset]) => ({ topic, partition, offset: offset.toString() }))
  if (commitAssigned) {
    const untouched = assigned.filter(p => !next.has(p))
    if (untouched.length) {
      const ends = await withAdmin(kafka, admin => admin.fetchTopicOffsets(topic))
      for (const p of untouched) commits.push({ topic, partition: p, offset: ends.find(e => e.partition === p).low })
    }
  }
  await consumer.commitOffsets(commits)
  await consumer.disconnect()
  const committed = Object.fromEntries(commits.map(c => [c.partition, Number(c.offset)]))
  return { topic, group, consumed, assigned: [...assigned].sort((a, b) => a - b), committed }
}

async function lag(kafka, { topic, group }) {
  return withAdmin(kafka, async admin => {
    const [{ partitions: offsets }] = await admin.fetchOffsets({ groupId: group, topics: [topic] })
    const ends = await admin.fetchTopicOffsets(topic)
    const {
      groups: [described],
    } = await admin.describeGroups([group])
    const committedOf = new Map(offsets.map(o => [o.partition, Number(o.offset)]))
    const partitions = ends
      .map(({ partition, low, high }) => {
        const committed = committedOf.get(partition)
        const known = committed !== undefined && committed >= 0 // kafkajs says -1 for "never committed"
        return {
          partition,
          low: Number(low),
          high: Number(high),
          committed: known ? committed : null,
          lag: known ? Number(high) - committed : null,
        }
      })
      .sort((a, b) => a.partition - b.partition)
    return { topic, group, state: described.state, members: described.members.length, partitions }
  })
}

async function place(kafka, { topic, keys }) {
  const producer = kafka.producer({ allowAutoTopicCreation: false }) // the default partitioner
  cleanups.push(() => producer.disconnect())
  await producer.connect()
  const partitions = {}
  for (const key of keys) {
    const [meta] = await producer.send({ topic, messages: [{ key, value: '{}' }] })
    partitions[key] = meta.partition
  }
  await producer.disconnect()
  return { topic, partitions }
}

const COMMANDS = {
  consume: { run: consume, needs: ['group', 'count'] },
  lag: { run: lag, needs: ['group'] },
  place: { run: place, needs: ['keys-json'] },
}

function leaveThenExit(code) {
  const grace = new Promise(resolve => setTimeout(resolve, LEAVE_GRACE_MS))
  Promise.race([Promise.allSettled(cleanups.map(c => c())), grace]).finally(() => process.exit(code))
}

function main() {
  const { command, options } = parse(process.argv.slice(2))
  setTimeout(() => {
    process.stderr.write(`timeout: ${command} did not finish within ${options.timeoutMs / 1000} s\n`)
    leaveThenExit(EXIT.timeout)
  }, options.timeoutMs) // not unref(): a stall with nothing pending would otherwise exit 0, silently
  COMMANDS[command]
    .run(client(options.bootstrap), options)
    .then(result => process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(EXIT.ok)))
    .catch(error => {
      process.stderr.write(`error: ${command}: ${(error && error.stack) || error}\n`)
      leaveThenExit(EXIT.error)
    })
}

main()
