/**
 * The header block shared by commits and tags: "key value" lines, where a
 * line starting with a space continues the previous value (gpgsig, mergetag),
 * then an empty line, then the message.
 */
export interface ObjectHeader {
  key: string;
  value: string;
}

export interface HeaderBlock {
  headers: ObjectHeader[];
  /** Everything after the blank line; empty when there is none. */
  message: string;
}

export function parseHeaderBlock(data: Buffer): HeaderBlock {
  const text = data.toString('utf8');
  const headers: ObjectHeader[] = [];
  let pos = 0;
  while (pos < text.length) {
    const eol = text.indexOf('\n', pos);
    const line = eol < 0 ? text.slice(pos) : text.slice(pos, eol);
    const next = eol < 0 ? text.length : eol + 1;
    if (line === '') return { headers, message: text.slice(next) };
    const last = headers[headers.length - 1];
    if (line.startsWith(' ') && last) {
      last.value += '\n' + line.slice(1);
    } else {
      const space = line.indexOf(' ');
      headers.push(space < 0 ? { key: line, value: '' } : { key: line.slice(0, space), value: line.slice(space + 1) });
    }
    pos = next;
  }
  return { headers, message: '' };
}

export function headerValue(block: HeaderBlock, key: string): string | undefined {
  return block.headers.find((h) => h.key === key)?.value;
}
