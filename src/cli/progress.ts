import type { WriteStream } from 'node:tty'

const BAR_WIDTH = 30

export interface Progress {
  /** One more file is done; `line` says how it went. */
  fileDone: (bytes: number, line: string) => void
  /** The bar, if any, leaves the line to what is printed next. */
  end: () => void
}

function megabytes (bytes: number): string {
  return (bytes / 1_048_576).toFixed(1)
}

/**
 * Upload progress on standard error, so that standard output keeps only the summary: a bar
 * redrawn in place on a terminal; elsewhere (a pipe, a CI log) one plain line per file, since
 * carriage returns would garble a log.
 */
export function createProgress (stream: NodeJS.WriteStream, totalFiles: number, totalBytes: number): Progress {
  let files = 0
  let bytes = 0
  const tty = stream.isTTY ? stream as WriteStream : undefined
  const draw = (): void => {
    if (tty === undefined) return
    const filled = totalBytes === 0 ? BAR_WIDTH : Math.round(BAR_WIDTH * bytes / totalBytes)
    tty.cursorTo(0)
    tty.write(`[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${files}/${totalFiles} files, ${megabytes(bytes)}/${megabytes(totalBytes)} MB`)
    tty.clearLine(1)
  }
  draw()
  return {
    fileDone (fileBytes, line) {
      files += 1
      bytes += fileBytes
      if (tty === undefined) {
        stream.write(`${line} (${files}/${totalFiles})\n`)
      } else {
        draw()
      }
    },
    end () {
      if (tty !== undefined) tty.write('\n')
    }
  }
}
