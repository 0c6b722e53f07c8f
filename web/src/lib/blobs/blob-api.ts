import * as v from 'valibot';
import {
  BlobHasResponseSchema,
  BlobInfoSchema,
  BlobUsageSchema,
  CreateUploadResponseSchema,
  PART_SHA256_HEADER,
  UploadStateSchema,
  UploadedPartSchema,
  type BlobInfo,
  type BlobUsage,
  type CreateUploadResponse,
  type UploadState,
  type UploadedPart,
} from '#shared/blobs/protocol';
import { ErrorBodySchema } from '#shared/errors';
import { ApiRequestError } from '../api/http';

/** How the blob client reaches the server: same-origin `fetch` in the app; a base URL and a fetch with a cookie in Node tests. */
export interface BlobTransport {
  baseUrl?: string;
  fetch?: typeof fetch;
}

/** HTTP client of one space's blob routes (docs/api.md#blobs). */
type SendInit = {
  method?: string;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** Bytes of the body sent so far; only reported where XMLHttpRequest exists (fetch has no upload progress). */
  onUploadProgress?: ((sent: number) => void) | undefined;
};

export class BlobApi {
  private readonly base: string;
  private readonly doFetch: typeof fetch;
  private readonly ownFetch: boolean;

  constructor(
    readonly spaceId: string,
    transport: BlobTransport = {},
  ) {
    this.base = `${transport.baseUrl ?? ''}/api/spaces/${encodeURIComponent(spaceId)}/blobs`;
    this.doFetch = transport.fetch ?? ((input, init) => fetch(input, init));
    this.ownFetch = transport.fetch !== undefined;
  }

  /** The URL a blob is downloaded from (also the key of its offline copy). */
  url(sha256: string): string {
    return `${this.base}/${sha256}`;
  }

  async has(hashes: string[], signal?: AbortSignal): Promise<string[]> {
    return (
      await this.json(`${this.base}/has`, BlobHasResponseSchema, { method: 'POST', json: { hashes }, signal })
    ).present;
  }

  usage(signal?: AbortSignal): Promise<BlobUsage> {
    return this.json(`${this.base}/usage`, BlobUsageSchema, { signal });
  }

  putSingle(
    sha256: string,
    body: Blob,
    signal?: AbortSignal,
    onUploadProgress?: (sent: number) => void,
  ): Promise<BlobInfo> {
    return this.json(this.url(sha256), BlobInfoSchema, { method: 'PUT', body, signal, onUploadProgress });
  }

  createUpload(
    sha256: string,
    size: number,
    partSize: number,
    signal?: AbortSignal,
  ): Promise<CreateUploadResponse> {
    return this.json(`${this.base}/uploads`, CreateUploadResponseSchema, {
      method: 'POST',
      json: { sha256, size, partSize },
      signal,
    });
  }

  uploadState(uploadId: string, signal?: AbortSignal): Promise<UploadState> {
    return this.json(`${this.base}/uploads/${uploadId}`, UploadStateSchema, { signal });
  }

  putPart(
    uploadId: string,
    partNumber: number,
    bytes: ArrayBuffer,
    sha256: string,
    signal?: AbortSignal,
    onUploadProgress?: (sent: number) => void,
  ): Promise<UploadedPart> {
    return this.json(`${this.base}/uploads/${uploadId}/parts/${partNumber}`, UploadedPartSchema, {
      method: 'PUT',
      body: bytes,
      headers: { [PART_SHA256_HEADER]: sha256 },
      signal,
      onUploadProgress,
    });
  }

  complete(uploadId: string, signal?: AbortSignal): Promise<BlobInfo> {
    return this.json(`${this.base}/uploads/${uploadId}/complete`, BlobInfoSchema, { method: 'POST', signal });
  }

  async abort(uploadId: string): Promise<void> {
    await this.send(`${this.base}/uploads/${uploadId}`, { method: 'DELETE' });
  }

  /** GETs a blob; the response body is the bytes. */
  download(sha256: string, signal?: AbortSignal): Promise<Response> {
    return this.send(this.url(sha256), { signal });
  }

  private async json<S extends v.GenericSchema>(
    url: string,
    schema: S,
    init: SendInit,
  ): Promise<v.InferOutput<S>> {
    const response = await this.send(url, init);
    const parsed = v.safeParse(schema, await response.json().catch(() => undefined));
    if (!parsed.success)
      throw new ApiRequestError(
        'BAD_RESPONSE',
        'The server sent an answer this app does not understand.',
        response.status,
      );
    return parsed.output;
  }

  private async send(url: string, init: SendInit): Promise<Response> {
    const headers = new Headers(init.headers);
    let body: BodyInit | null = init.body ?? null;
    if (init.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(init.json);
    }
    let response: Response;
    try {
      const request: RequestInit = {
        method: init.method ?? 'GET',
        headers,
        body,
        credentials: 'same-origin',
        signal: init.signal ?? null,
      };
      response =
        init.onUploadProgress && !this.ownFetch && typeof XMLHttpRequest !== 'undefined'
          ? await xhrFetch(url, request, init.onUploadProgress)
          : await this.doFetch(url, request);
    } catch (error) {
      if (init.signal?.aborted) throw init.signal.reason ?? error;
      throw new ApiRequestError('NETWORK', 'The server could not be reached. Check your connection.', 0);
    }
    if (response.ok) return response;
    const error = v.safeParse(ErrorBodySchema, await response.json().catch(() => undefined));
    if (error.success)
      throw new ApiRequestError(
        error.output.code,
        error.output.message,
        response.status,
        error.output.retryAfterMs,
      );
    throw new ApiRequestError(
      `HTTP_${response.status}`,
      `The server answered ${response.status}.`,
      response.status,
    );
  }
}

/** `fetch` over XMLHttpRequest, for its upload progress events. */
function xhrFetch(
  url: string,
  init: RequestInit,
  onUploadProgress: (sent: number) => void,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(init.method ?? 'GET', url);
    xhr.withCredentials = true;
    xhr.responseType = 'blob';
    new Headers(init.headers).forEach((value, name) => xhr.setRequestHeader(name, value));
    xhr.upload.onprogress = (event) => onUploadProgress(event.loaded);
    xhr.onload = () => {
      const headers = new Headers();
      for (const line of xhr
        .getAllResponseHeaders()
        .trim()
        .split(/[\r\n]+/)) {
        const at = line.indexOf(':');
        if (at > 0) headers.append(line.slice(0, at).trim(), line.slice(at + 1).trim());
      }
      const body: unknown = xhr.response;
      const empty = xhr.status === 204 || xhr.status === 205 || xhr.status === 304;
      resolve(new Response(body instanceof Blob && !empty ? body : null, { status: xhr.status, headers }));
    };
    xhr.onerror = () => reject(new TypeError('network error'));
    xhr.onabort = () =>
      reject(
        init.signal?.reason instanceof Error ? init.signal.reason : new DOMException('Aborted', 'AbortError'),
      );
    init.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    const body = init.body;
    xhr.send(body === undefined || body === null || body instanceof ReadableStream ? null : body);
  });
}
