// CredSSP on a TLS socket that an RDP layer already listens on (node-rdpjs attaches its TPKT
// reader when TLS starts, before NLA runs): the RDP layer's 'data' listeners are set aside while
// the CredSSP messages flow, and given back, with any bytes that came after the exchange, once it
// is over. Both swaps are synchronous, so no chunk reaches the wrong reader or nobody.
import type { TLSSocket } from 'node:tls';
import { runCredssp, type CredsspClientOptions, type CredsspResult } from './credssp-client.ts';
import { CredsspFailure } from './outcomes.ts';
import { subjectPublicKey } from './public-key.ts';

export type TlsCredsspOptions = Omit<CredsspClientOptions, 'serverPublicKey'>;

export async function credsspOverTls(tls: TLSSocket, o: TlsCredsspOptions): Promise<CredsspResult> {
  const raw = tls.getPeerCertificate()?.raw;
  if (!raw?.length)
    throw new CredsspFailure('protocol', 'the server presented no TLS certificate to bind NLA to');
  const serverPublicKey = subjectPublicKey(raw);
  type DataListener = (chunk: Buffer) => void;
  const taken = tls.listeners('data') as DataListener[];
  tls.removeAllListeners('data');
  let result: CredsspResult;
  try {
    result = await runCredssp(tls, { ...o, serverPublicKey });
  } finally {
    for (const l of taken) tls.on('data', l);
  }
  if (result.rest.length) for (const l of taken) l(result.rest);
  return result;
}
