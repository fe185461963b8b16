'use strict';
// A real SMPP 3.4 server (the smpp package) standing in for an operator's SMSC in tests and
// benchmarks: it checks the bind's credentials, answers submit_sm, reassembles concatenated
// messages (UDH or sar_* TLVs), sends delivery receipts and delivers phones' replies.
// CommonJS so that Jest specs (through createRequire) and .mjs scripts can both load it.
const smpp = require('smpp');

const UDH_INDICATOR = 0x40;
const RECEIPT = 0x04;

/**
 * @typedef {object} SmsMessage
 * @property {string} to            destination as submitted (digits, no '+')
 * @property {string} from          source address (sender id)
 * @property {string} text          the whole text, parts joined
 * @property {'GSM7' | 'UCS2' | 'other'} encoding
 * @property {number} parts
 * @property {number[]} partOctets  short_message length of each part, header included
 * @property {'none' | 'udh' | 'sar'} concatenation
 * @property {string[]} messageIds  one per part, as answered in submit_sm_resp
 * @property {string} systemId      which bind submitted it
 * @property {number} receivedAt    ms since epoch, when the last part arrived
 */

/**
 * @typedef {object} SmppSimulator
 * @property {number} port
 * @property {string} url                      smpp://<systemId>:<password>@127.0.0.1:<port>
 * @property {SmsMessage[]} messages
 * @property {(predicate: (m: SmsMessage) => boolean, timeoutMs?: number) => Promise<SmsMessage>} waitForMessage
 * @property {(mo: { from: string, to?: string, text: string }) => Promise<void>} reply  deliver_sm to a bound ESME
 * @property {(refuse: boolean) => void} refuseSubmits  answer submit_sm with ESME_RSYSERR while true
 * @property {() => number} boundSessions
 * @property {(timeoutMs?: number) => Promise<void>} waitForBind
 * @property {() => Promise<void>} stop
 */

function dataCodingName(dataCoding) {
  if ((dataCoding & 0x0f) === 0x08) return 'UCS2';
  if ((dataCoding & 0x0f) === 0x00 || (dataCoding & 0x0f) === 0x01) return 'GSM7';
  return 'other';
}

/** The concatenation header in a part, if any: [reference, total, sequence]. */
function concatenationOf(pdu, udhList) {
  for (const udh of udhList || []) {
    if (udh[0] === 0x00 && udh[1] === 0x03)
      return { kind: 'udh', ref: udh[2], total: udh[3], seq: udh[4] };
    if (udh[0] === 0x08 && udh[1] === 0x04)
      return { kind: 'udh', ref: udh.readUInt16BE(2), total: udh[4], seq: udh[5] };
  }
  if (typeof pdu.sar_msg_ref_num === 'number') {
    return {
      kind: 'sar',
      ref: pdu.sar_msg_ref_num,
      total: pdu.sar_total_segments,
      seq: pdu.sar_segment_seqnum,
    };
  }
  return null;
}

function timestamp(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${pad(date.getUTCFullYear() % 100)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}`;
}

/**
 * @param {{ port?: number, host?: string, systemId?: string, password?: string, receipts?: boolean, receiptDelayMs?: number }} [options]
 * @returns {Promise<SmppSimulator>}
 */
async function startSmppSimulator(options = {}) {
  const {
    port = 0,
    host = '127.0.0.1',
    systemId = 'beacon',
    password = 'simpass',
    receipts = true,
    receiptDelayMs = 50,
  } = options;
  /** @type {SmsMessage[]} */
  const messages = [];
  /** @type {Map<string, { parts: Map<number, any>, total: number }>} */
  const pendingParts = new Map();
  /** @type {Set<any>} */
  const bound = new Set();
  /** @type {Set<any>} */
  const sessions = new Set();
  let counter = 0;
  let refuse = false;

  const server = smpp.createServer({}, (session) => {
    sessions.add(session);
    let who = '';
    const onBind = (pdu) => {
      const ok = pdu.system_id === systemId && pdu.password === password;
      session.send(
        pdu.response({
          command_status: ok ? smpp.ESME_ROK : smpp.ESME_RINVPASWD,
          system_id: 'BEACONSIM',
        }),
      );
      if (ok) {
        who = pdu.system_id;
        if (pdu.command !== 'bind_transmitter') bound.add(session);
      }
    };
    session.on('bind_transceiver', onBind);
    session.on('bind_receiver', onBind);
    session.on('bind_transmitter', onBind);
    session.on('enquire_link', (pdu) => session.send(pdu.response()));
    session.on('unbind', (pdu) => {
      session.send(pdu.response());
      session.close();
    });
    session.on('deliver_sm_resp', () => undefined);
    session.on('error', () => undefined);
    session.on('close', () => {
      bound.delete(session);
      sessions.delete(session);
    });
    session.on('submit_sm', (pdu) => {
      if (refuse) {
        session.send(pdu.response({ command_status: smpp.ESME_RSYSERR }));
        return;
      }
      counter += 1;
      const messageId = `sim${counter}`;
      session.send(pdu.response({ message_id: messageId }));
      const body =
        pdu.short_message &&
        typeof pdu.short_message === 'object' &&
        !Buffer.isBuffer(pdu.short_message)
          ? pdu.short_message
          : { message: '' };
      const text = typeof body.message === 'string' ? body.message : '';
      const octets = pdu.toBuffer ? rawShortMessageLength(pdu) : 0;
      const concat =
        pdu.esm_class & UDH_INDICATOR || typeof pdu.sar_msg_ref_num === 'number'
          ? concatenationOf(pdu, body.udh)
          : null;
      const part = { text, octets, messageId, dataCoding: pdu.data_coding };
      if (!concat) {
        record(pdu, who, [part], 'none');
      } else {
        const key = `${who}|${pdu.source_addr}|${pdu.destination_addr}|${concat.kind}|${concat.ref}`;
        const entry = pendingParts.get(key) || { parts: new Map(), total: concat.total };
        entry.parts.set(concat.seq, part);
        pendingParts.set(key, entry);
        if (entry.parts.size === entry.total) {
          pendingParts.delete(key);
          const ordered = [...entry.parts.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p);
          record(pdu, who, ordered, concat.kind);
        }
      }
      if (receipts && pdu.registered_delivery & 0x01) {
        setTimeout(() => {
          const now = new Date();
          session.deliver_sm({
            source_addr: pdu.destination_addr,
            source_addr_ton: pdu.dest_addr_ton,
            source_addr_npi: pdu.dest_addr_npi,
            destination_addr: pdu.source_addr,
            dest_addr_ton: pdu.source_addr_ton,
            dest_addr_npi: pdu.source_addr_npi,
            esm_class: RECEIPT,
            data_coding: 0,
            short_message: `id:${messageId} sub:001 dlvrd:001 submit date:${timestamp(now)} done date:${timestamp(now)} stat:DELIVRD err:000 text:`,
            receipted_message_id: messageId,
            message_state: 2,
          });
        }, receiptDelayMs);
      }
    });
  });

  function rawShortMessageLength(pdu) {
    const body = pdu.short_message;
    if (Buffer.isBuffer(body)) return body.length;
    const udh = body && body.udh ? body.udh.reduce((n, u) => n + u.length, 1) : 0;
    const text = body && typeof body.message === 'string' ? body.message : '';
    const units = dataCodingName(pdu.data_coding) === 'UCS2' ? text.length * 2 : gsmSeptets(text);
    return udh + units;
  }

  function gsmSeptets(text) {
    let n = 0;
    for (const ch of text) n += '\f^{}\\[~]|€'.includes(ch) ? 2 : 1;
    return n;
  }

  function record(pdu, who, parts, concatenation) {
    messages.push({
      to: String(pdu.destination_addr),
      from: String(pdu.source_addr),
      text: parts.map((p) => p.text).join(''),
      encoding: dataCodingName(parts[0].dataCoding),
      parts: parts.length,
      partOctets: parts.map((p) => p.octets),
      concatenation,
      messageIds: parts.map((p) => p.messageId),
      systemId: who,
      receivedAt: Date.now(),
    });
  }

  const boundPort = await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server.address().port));
  });

  const waitFor = async (probe, timeoutMs, what) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value) return value;
      if (Date.now() > deadline)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  return {
    port: boundPort,
    url: `smpp://${encodeURIComponent(systemId)}:${encodeURIComponent(password)}@${host}:${boundPort}`,
    messages,
    waitForMessage: (predicate, timeoutMs = 10_000) =>
      waitFor(() => messages.find(predicate), timeoutMs, 'an SMS'),
    reply: ({ from, to = 'Beacon', text }) =>
      new Promise((resolve, reject) => {
        const session = [...bound][0];
        if (!session) {
          reject(new Error('no ESME is bound to receive the reply'));
          return;
        }
        const ucs2 = /[^\x20-\x7e]/.test(text);
        session.deliver_sm(
          {
            source_addr: from.replace(/^\+/, ''),
            source_addr_ton: 1,
            source_addr_npi: 1,
            destination_addr: to,
            esm_class: 0,
            data_coding: ucs2 ? 0x08 : 0x00,
            short_message: text,
          },
          (resp) =>
            resp.command_status === 0
              ? resolve()
              : reject(new Error(`deliver_sm refused: ${resp.command_status}`)),
        );
      }),
    refuseSubmits: (value) => {
      refuse = value;
    },
    boundSessions: () => bound.size,
    waitForBind: (timeoutMs = 10_000) =>
      waitFor(() => bound.size > 0, timeoutMs, 'an SMPP bind').then(() => undefined),
    stop: () =>
      new Promise((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}

module.exports = { startSmppSimulator };
