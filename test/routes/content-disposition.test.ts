import t from 'tap'
import { attachmentDisposition, servedContentType } from '../../src/routes/content-disposition.js'
import '../helpers/leak-check.js'

t.test('attachmentDisposition never lets a name break out of the header', async (t) => {
  t.equal(attachmentDisposition('report.pdf'), 'attachment; filename="report.pdf"; filename*=UTF-8\'\'report.pdf')
  t.equal(attachmentDisposition('a"b\\c.txt'), 'attachment; filename="a_b_c.txt"; filename*=UTF-8\'\'a%22b%5Cc.txt')
  t.equal(attachmentDisposition('日本.txt'), 'attachment; filename="__.txt"; filename*=UTF-8\'\'%E6%97%A5%E6%9C%AC.txt')
  t.equal(attachmentDisposition("it's (1).txt"), 'attachment; filename="it\'s (1).txt"; filename*=UTF-8\'\'it%27s%20%281%29.txt')
})

t.test('servedContentType downgrades types a browser would run', async (t) => {
  t.equal(servedContentType('application/pdf'), 'application/pdf')
  t.equal(servedContentType('text/html'), 'application/octet-stream')
  t.equal(servedContentType('image/svg+xml'), 'application/octet-stream')
})
