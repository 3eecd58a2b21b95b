// The slice of node-rdpjs (0.3.0 with patches/node-rdpjs+0.3.0.patch) the engine uses, typed here
// because the package ships no types. Loaded through `require`: it is CommonJS, and typing only
// what is used keeps the rest of its surface (its server stub, its asm.js decoder) out of reach.
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';

/** One TS_BITMAP_DATA as node-rdpjs parsed it (its type system wraps every field in `.value`). */
export interface RdpjsBitmap {
  obj: {
    destLeft: { value: number };
    destTop: { value: number };
    destRight: { value: number };
    destBottom: { value: number };
    width: { value: number };
    height: { value: number };
    bitsPerPixel: { value: number };
    flags: { value: number };
    bitmapDataStream: { value: Buffer };
  };
}

export interface RdpjsConfig {
  socket?: Duplex;
  domain?: string;
  userName?: string;
  password?: string;
  screen?: { width: number; height: number };
  locale?: 'en';
  logLevel?: 'NONE';
  enablePerf?: boolean;
  autoLogin?: boolean;
  checkCertificate?: (tls: TLSSocket) => Promise<void>;
  credssp?: (tls: TLSSocket) => Promise<void>;
  /** Static virtual channels to announce in the client network data and join (e.g. `cliprdr`). */
  channels?: string[];
}

export interface RdpjsClient {
  on(event: 'connect' | 'close', fn: () => void): this;
  /** A Save Session Info PDU's data, unparsed (the repository's patch passes it on). */
  on(event: 'session', fn: (info: Buffer | undefined) => void): this;
  on(event: 'error', fn: (err: unknown) => void): this;
  /** One static virtual channel PDU as received: CHANNEL_PDU_HEADER and data. */
  on(event: 'channelPdu', fn: (name: string, pdu: Buffer) => void): this;
  /** Sends one channel PDU as given; false when the channel is not joined. */
  sendChannelPdu?(name: string, pdu: Buffer): boolean;
  /** The channels asked for that the server allocated and let us join. */
  joinedChannels?(): string[];
  connect(host: string, port: number): this;
  close(): this;
  connected: boolean;
  sendPointerEvent(x: number, y: number, button: number, isPressed: boolean): void;
  sendKeyEventScancode(code: number, isPressed: boolean, extended: boolean): void;
  sendWheelEvent(x: number, y: number, step: number, isNegative: boolean, isHorizontal: boolean): void;
  /** Parsed updates before node-rdpjs splits them into one event per bitmap. */
  global: {
    on(event: 'bitmap', fn: (bitmaps: RdpjsBitmap[]) => void): void;
    /**
     * The server opened a new share after a Deactivate All (deactivation-reactivation, the
     * repository's patch): the desktop size its new bitmap capability set gives, or null.
     */
    on(event: 'reactivated', fn: (size: { width: unknown; height: unknown } | null) => void): void;
    /** The server's Demand Active capabilities by type; 2 is the bitmap capability set. */
    serverCapabilities?: Record<
      number,
      { obj?: Record<string, { value?: unknown } | undefined> } | undefined
    >;
  };
  x224: { selectedProtocol: number };
  bufferLayer: { destroy(): void };
}

interface Rdpjs {
  createClient(config: RdpjsConfig): RdpjsClient;
}

export const rdpjs = createRequire(import.meta.url)('node-rdpjs') as Rdpjs;

/** TS_BITMAP_DATA flags. */
export const BITMAP_COMPRESSION = 0x0001;

/** X.224 negotiated protocols (MS-RDPBCGR 2.2.1.2.1). */
export const PROTOCOLS = { ssl: 0x1, hybrid: 0x2, 'hybrid-ex': 0x8 } as const;
export type SelectedProtocol = keyof typeof PROTOCOLS;
