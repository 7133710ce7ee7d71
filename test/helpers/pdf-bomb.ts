import { deflateRepeated } from './deflate-repeated.js'

/**
 * A one-page PDF whose content stream inflates to about `bytes` bytes of spaces. pdf.js
 * keeps a decoded stream whole in a typed array while it reads the text, so the memory
 * this costs is outside the V8 heap: it is what a heap ceiling alone does not see.
 */
export async function contentStreamBombPdf (bytes: number): Promise<Buffer> {
  const content = await deflateRepeated('BT ', ' ', ' ET', bytes, 'zlib')
  const objects = [
    Buffer.from('<< /Type /Catalog /Pages 2 0 R >>'),
    Buffer.from('<< /Type /Pages /Kids [3 0 R] /Count 1 >>'),
    Buffer.from('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>'),
    Buffer.concat([
      Buffer.from(`<< /Length ${content.compressed.length} /Filter /FlateDecode >>\nstream\n`),
      content.compressed,
      Buffer.from('\nendstream')
    ])
  ]
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n')]
  const offsets: number[] = []
  let offset = parts[0].length
  objects.forEach((body, index) => {
    const object = Buffer.concat([Buffer.from(`${index + 1} 0 obj\n`), body, Buffer.from('\nendobj\n')])
    offsets.push(offset)
    parts.push(object)
    offset += object.length
  })
  const xref = ['xref', `0 ${objects.length + 1}`, '0000000000 65535 f ',
    ...offsets.map((at) => `${String(at).padStart(10, '0')} 00000 n `)].join('\n')
  parts.push(Buffer.from(`${xref}\ntrailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${offset}\n%%EOF\n`))
  return Buffer.concat(parts)
}
