import { readFile } from 'node:fs/promises'
import os from 'node:os'

export interface MachineInfo {
  cpu: string
  cores: number
  ramGiB: number
  kernel: string
  node: string
  postgres: string
  redis: string
}

/** What the numbers were measured on; the engine versions come from the running servers. */
export async function machineInfo (versions: { postgres: string, redis: string }): Promise<MachineInfo> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '')
  const cpu = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown'
  return {
    cpu,
    cores: os.availableParallelism(),
    ramGiB: Math.round(os.totalmem() / 2 ** 30 * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres: versions.postgres,
    redis: versions.redis
  }
}
