import * as net from 'node:net';

/** One message the sink accepted: envelope, headers and body as the client sent them. */
export interface SmtpMessage {
  from: string;
  to: string[];
  /** The AUTH PLAIN user the client signed in as, if it did. */
  user?: string;
  headers: Record<string, string>;
  /** The body, quoted-printable decoded (RFC 2045) when the message says it is encoded so. */
  body: string;
}

export interface SmtpSink {
  host: string;
  port: number;
  messages: SmtpMessage[];
  stop(): Promise<void>;
}

/**
 * An SMTP server on 127.0.0.1 that keeps what it is sent (RFC 5321: EHLO, AUTH PLAIN, MAIL, RCPT,
 * DATA, RSET, NOOP, QUIT). It refuses a wrong password with 535 and mail before a sign-in with 530,
 * as a real relay does, so a client that sends the wrong credentials fails here too.
 */
export async function startSmtpSink(credentials: { username: string; password: string }): Promise<SmtpSink> {
  const messages: SmtpMessage[] = [];
  const server = net.createServer((socket) => {
    let buffer = '';
    let data: string[] | undefined;
    let user: string | undefined;
    let envelope: { from: string; to: string[] } = { from: '', to: [] };
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply('220 127.0.0.1 ESMTP sink');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (let at = buffer.indexOf('\r\n'); at >= 0; at = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        if (data) {
          if (line !== '.') {
            data.push(line.startsWith('..') ? line.slice(1) : line);
            continue;
          }
          const text = data.join('\r\n');
          const split = text.indexOf('\r\n\r\n');
          const headers: Record<string, string> = {};
          for (const header of text
            .slice(0, split)
            .replace(/\r\n[ \t]+/g, ' ')
            .split('\r\n')) {
            const colon = header.indexOf(':');
            if (colon > 0) headers[header.slice(0, colon).toLowerCase()] = header.slice(colon + 1).trim();
          }
          const raw = text.slice(split + 4);
          const body = /quoted-printable/i.test(headers['content-transfer-encoding'] ?? '') ? quotedPrintable(raw) : raw;
          messages.push({ ...envelope, user, headers, body });
          data = undefined;
          envelope = { from: '', to: [] };
          reply('250 2.0.0 queued');
          continue;
        }
        const [verb, ...rest] = line.split(' ');
        const argument = rest.join(' ');
        switch (verb.toUpperCase()) {
          case 'EHLO':
          case 'HELO':
            reply('250-127.0.0.1');
            reply('250-AUTH PLAIN');
            reply('250 8BITMIME');
            break;
          case 'AUTH': {
            const [mechanism, encoded] = argument.split(' ');
            const [, name, password] = Buffer.from(encoded ?? '', 'base64')
              .toString('utf8')
              .split('\0');
            if (mechanism?.toUpperCase() !== 'PLAIN' || name !== credentials.username || password !== credentials.password)
              reply('535 5.7.8 authentication failed');
            else {
              user = name;
              reply('235 2.7.0 authenticated');
            }
            break;
          }
          case 'MAIL':
            if (!user) reply('530 5.7.0 authentication required');
            else {
              envelope.from = argument.replace(/^FROM:\s*<?([^>\s]*)>?.*$/i, '$1');
              reply('250 2.1.0 ok');
            }
            break;
          case 'RCPT':
            envelope.to.push(argument.replace(/^TO:\s*<?([^>\s]*)>?.*$/i, '$1'));
            reply('250 2.1.5 ok');
            break;
          case 'DATA':
            if (!envelope.to.length) reply('503 5.5.1 no recipients');
            else {
              data = [];
              reply('354 end with <CRLF>.<CRLF>');
            }
            break;
          case 'RSET':
            envelope = { from: '', to: [] };
            reply('250 ok');
            break;
          case 'NOOP':
            reply('250 ok');
            break;
          case 'QUIT':
            reply('221 bye');
            socket.end();
            break;
          default:
            reply('502 5.5.2 command not recognized');
        }
      }
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    host: '127.0.0.1',
    port: (server.address() as net.AddressInfo).port,
    messages,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** RFC 2045 quoted-printable: soft line breaks removed, =XX bytes decoded as UTF-8. */
function quotedPrintable(text: string): string {
  const bytes = text.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}
