import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import { LimitError, PushgateError } from '../../errors.js';
import { TRANSPORT_ERROR } from '../transport-errors.js';

/** After an early answer, how much more of the body is read (and dropped) before the connection is cut. */
const DRAIN_BYTES = 1024 * 1024;
const DRAIN_MS = 2000;

/** Why the body could not be read, as HTTP answers it when nothing else was sent yet. */
interface BodyFailure {
  status: number;
  error: PushgateError;
}

/**
 * A POST body as a git service reads it: inflated when the client
 * compressed it (JGit gzips), counted against a limit on the decoded bytes
 * (so a small gzip bomb cannot make the server inflate without end), and
 * with streaming backpressure, so memory stays bounded whatever the size.
 * When the body turns out to be broken (not gzip, truncated, too big) before
 * anything was answered, the client gets a 400 or 413 with the reason, not a
 * 200 with an empty body. When the service ends before the body does (an
 * early ERR), the connection is closed after the answer, so that a client
 * still sending does not wait for its own timeout.
 */
export class RequestBody {
  /** What the service reads. */
  readonly stream: Readable;
  private failure?: BodyFailure;
  private readonly decoder?: Transform;
  private lingering = false;

  private constructor(
    private readonly request: IncomingMessage,
    private readonly response: ServerResponse,
    encoding: 'gzip' | 'deflate' | null,
    private readonly maxBytes: number,
  ) {
    let total = 0;
    const counter = new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        total += chunk.length;
        if (this.maxBytes > 0 && total > this.maxBytes) {
          callback(
            this.fail(
              413,
              new LimitError(TRANSPORT_ERROR.bodyTooLarge, `request body exceeds the limit of ${this.maxBytes} bytes`, {
                limit: this.maxBytes,
              }),
            ),
          );
        } else callback(null, chunk);
      },
    });
    this.stream = counter;
    // The service sees the error when it reads; one that comes before it reads, or after it stopped, is not a crash.
    counter.on('error', () => undefined);
    request.on('error', (err) => counter.destroy(err));
    if (encoding) {
      const decoder = encoding === 'gzip' ? createGunzip() : createInflate();
      this.decoder = decoder;
      decoder.on('error', (err) => {
        request.unpipe(decoder);
        const text = `request body is not valid ${encoding} data (${err.message})`;
        counter.destroy(this.fail(400, new PushgateError(TRANSPORT_ERROR.badBodyEncoding, text)));
      });
      request.pipe(decoder).pipe(counter);
    } else {
      request.pipe(counter);
    }
  }

  /** null when the encoding is not one git clients use. */
  static open(request: IncomingMessage, response: ServerResponse, maxBytes: number): RequestBody | null {
    const encoding = (request.headers['content-encoding'] ?? '').toLowerCase();
    const kind = !encoding || encoding === 'identity' ? null : encoding === 'gzip' || encoding === 'x-gzip' ? 'gzip' : 'deflate';
    if (kind === 'deflate' && encoding !== 'deflate') return null;
    const body = new RequestBody(request, response, kind, maxBytes);
    // An answer that starts before the body was all read says it closes the connection: the client must not reuse it.
    const writeHead = response.writeHead.bind(response) as (...args: unknown[]) => ServerResponse;
    response.writeHead = ((...args: unknown[]) => {
      if (!request.complete && !response.headersSent) response.setHeader('connection', 'close');
      return writeHead(...args);
    }) as ServerResponse['writeHead'];
    return body;
  }

  /**
   * Records the failure and, when the answer has not started, gives it
   * now: the service will find its input broken and its output closed.
   */
  private fail(status: number, error: PushgateError): PushgateError {
    this.failure ??= { status, error };
    const { response } = this;
    this.request.unpipe();
    if (!response.headersSent && !response.writableEnded) {
      response.writeHead(status, {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-cache, max-age=0, must-revalidate',
      });
      response.end(`${error.message}\n`);
      this.linger();
    }
    return error;
  }

  /** Once the service is done: if the body was not read to its end, the connection ends after the answer. */
  finish(): void {
    if (this.request.complete && !this.failure) return;
    this.linger();
  }

  /**
   * Stops reading the body for the service, ends the connection once the
   * answer is out, and meanwhile reads and drops a bounded amount more, so
   * that a client still sending sees the answer rather than a reset.
   */
  private linger(): void {
    if (this.lingering) return;
    this.lingering = true;
    const { request, response } = this;
    request.unpipe();
    this.decoder?.destroy();
    this.stream.destroy();
    const socket = request.socket;
    if (!socket || socket.destroyed) return;
    // Node ends a `Connection: close` answer with destroySoon(), which would reset a
    // connection the client is still sending on; only end it, and cut it below.
    socket.destroySoon = () => socket.end();
    let dropped = 0;
    const cut = () => socket.destroy();
    const timer = setTimeout(cut, DRAIN_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    request.on('data', (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > DRAIN_BYTES) cut();
    });
    request.resume();
    const endSocket = () => socket.end();
    if (response.writableFinished) endSocket();
    else response.once('finish', endSocket);
  }
}
