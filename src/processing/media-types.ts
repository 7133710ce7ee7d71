/** Media types the processor extracts text from. */
export const mediaTypes = Object.freeze({
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  html: 'text/html',
  markdown: 'text/markdown',
  text: 'text/plain',
  cfb: 'application/x-cfb',
  zip: 'application/zip',
  octetStream: 'application/octet-stream'
})

export const supportedMediaTypes: readonly string[] = [
  mediaTypes.pdf, mediaTypes.docx, mediaTypes.html, mediaTypes.markdown, mediaTypes.text
]
