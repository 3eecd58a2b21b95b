// Node-to-node trust over real mutual TLS on loopback: nodes whose certificates come from the
// cluster's authority talk; a node with a certificate from another authority, or none, is refused,
// and a node does not talk to a server holding another authority's certificate either.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { connect, createServer, type ConnectionOptions, type Server, type TLSSocket } from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError } from '../../core/index.ts';
import {
  createClusterCa,
  initClusterCa,
  issueNodeCertificate,
  loadNodeIdentity,
  nodeClientOptions,
  nodeServerOptions,
  peerNodeName,
  type NodeIdentity,
  type PemPair,
} from '../../cluster/index.ts';

const NOW = new Date('2026-01-01T00:00:00.000Z');
const now = () => new Date();

function identity(ca: PemPair, node: string): NodeIdentity {
  return { node, caCertPem: ca.certPem, ...issueNodeCertificate(ca, node, now()) };
}

/** A node's listener: answers each verified peer with `hello <peer>` and records who came. */
async function listen(id: NodeIdentity): Promise<{ server: Server; port: number; peers: string[] }> {
  const peers: string[] = [];
  const server = createServer(nodeServerOptions(id), (socket: TLSSocket) => {
    const peer = peerNodeName(socket.getPeerCertificate()) ?? '?';
    peers.push(peer);
    socket.end(`hello ${peer}`);
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : 0, peers };
}

/** Connects as `options` and reads the answer, or the error the handshake ended with. */
function call(port: number, options: ConnectionOptions): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ ...options, host: '127.0.0.1', port });
    let got = '';
    socket.on('data', (d) => (got += d.toString()));
    socket.on('end', () => resolve(got || 'closed without answer'));
    socket.on('error', (e) => resolve(`error: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
  });
}

describe('cluster node trust (mutual TLS)', () => {
  let ca: PemPair;
  let other: PemPair;
  let a: NodeIdentity;
  let node: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    ca = createClusterCa(now());
    other = createClusterCa(now(), 'another-cluster');
    a = identity(ca, 'node-a');
    node = await listen(a);
  });
  afterAll(() => new Promise<void>((r) => node.server.close(() => r())));

  it('lets a node with a certificate from the cluster authority in, and knows which node it is', async () => {
    const b = identity(ca, 'node-b');
    expect(await call(node.port, nodeClientOptions(b, 'node-a'))).toBe('hello node-b');
    expect(node.peers).toEqual(['node-b']);
  });

  it('refuses a node whose certificate comes from another authority, and one with no certificate', async () => {
    const seen = node.peers.length;
    const intruder = identity(other, 'node-b');
    // It trusts our authority (it copied the CA certificate) but its own certificate is not ours.
    const stranger = { ...nodeClientOptions(intruder, 'node-a'), ca: [ca.certPem] };
    expect(await call(node.port, stranger)).toMatch(/^error: |^closed without answer$/);
    const anonymous = { ca: [ca.certPem], servername: 'node-a', minVersion: 'TLSv1.3' as const };
    expect(await call(node.port, anonymous)).toMatch(/^error: |^closed without answer$/);
    // Neither got through to the node's handler; a genuine node still does.
    expect(node.peers).toHaveLength(seen);
    expect(await call(node.port, nodeClientOptions(identity(ca, 'node-c'), 'node-a'))).toBe('hello node-c');
  });

  it('does not talk to a server whose certificate comes from another authority, or names another node', async () => {
    const impostor = await listen(identity(other, 'node-a'));
    try {
      expect(await call(impostor.port, nodeClientOptions(identity(ca, 'node-b'), 'node-a'))).toMatch(
        /^error: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/,
      );
      expect(impostor.peers).toEqual([]);
    } finally {
      await new Promise<void>((r) => impostor.server.close(() => r()));
    }
    expect(await call(node.port, nodeClientOptions(identity(ca, 'node-b'), 'node-z'))).toBe(
      'error: ERR_TLS_CERT_ALTNAME_INVALID',
    );
  });

  it('cluster init writes the authority once under keys/ (key 0600) and a node issues itself a certificate from it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'custody-keys-'));
    try {
      const made = await initClusterCa(dir, NOW);
      expect(made.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      expect((await stat(path.join(dir, 'cluster-ca.key'))).mode & 0o777).toBe(0o600);
      await expect(initClusterCa(dir, NOW)).rejects.toBeInstanceOf(ConflictError);
      const id = await loadNodeIdentity(dir, 'node-a', now());
      expect(id.caCertPem).toBe(await readFile(path.join(dir, 'cluster-ca.crt'), 'utf8'));
      const server = await listen(id);
      try {
        const peer = await loadNodeIdentity(dir, 'node-b', now());
        expect(await call(server.port, nodeClientOptions(peer, 'node-a'))).toBe('hello node-b');
      } finally {
        await new Promise<void>((r) => server.server.close(() => r()));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
