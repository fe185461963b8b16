// The smpp package (0.5.1) ships no types: this declares the part of it Beacon uses.
declare module 'smpp' {
  import { EventEmitter } from 'node:events';
  import { type Server as NetServer, type Socket } from 'node:net';

  export type PduFields = Record<string, unknown>;

  export class PDU {
    constructor(command: string, options?: PduFields);
    command: string;
    command_id: number;
    command_status: number;
    sequence_number: number;
    [field: string]: unknown;
    isResponse(): boolean;
    response(options?: PduFields): PDU;
    toBuffer(): Buffer;
  }

  export type PduCallback = (pdu: PDU) => void;

  export class Session extends EventEmitter {
    socket: Socket;
    server?: Server;
    send(pdu: PDU, responseCallback?: PduCallback, sendCallback?: PduCallback): boolean;
    bind_transceiver(options: PduFields, responseCallback?: PduCallback): boolean;
    bind_transceiver_resp(options: PduFields): boolean;
    submit_sm(options: PduFields, responseCallback?: PduCallback): boolean;
    deliver_sm(options: PduFields, responseCallback?: PduCallback): boolean;
    enquire_link(options?: PduFields, responseCallback?: PduCallback): boolean;
    unbind(options?: PduFields, responseCallback?: PduCallback): boolean;
    pause(): void;
    resume(): void;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
  }

  export class Server extends NetServer {
    sessions: Session[];
  }

  export interface ConnectOptions {
    url?: string;
    host?: string;
    port?: number;
    tls?: boolean;
    auto_enquire_link_period?: number;
  }

  export function connect(options: ConnectOptions, listener?: () => void): Session;
  export function createServer(options: PduFields, listener?: (session: Session) => void): Server;

  export interface TextCoder {
    match(value: string): boolean;
    encode(value: string): Buffer;
    decode(value: Buffer): string;
  }
  export const encodings: { ASCII: TextCoder; LATIN1: TextCoder; UCS2: TextCoder };

  export const ESME_ROK: number;
  export const ESME_RBINDFAIL: number;
  export const ESME_RINVPASWD: number;
  export const ESME_RSYSERR: number;
  export const ESME_RSUBMITFAIL: number;
  export const ESME_RTHROTTLED: number;
}
